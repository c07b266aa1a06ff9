// The bench's server process, on the built package (plain Node, no TypeScript loader, so its
// memory is the server's): a streaming server over LocalProcessRuntime that mints the exec
// URLs the parent asks for (one line on stdin: "<count>") and prints them as JSON.
import { createInterface } from 'node:readline';
import { createStreamingServer, LocalProcessRuntime } from '@capstan/streaming';

const runtime = new LocalProcessRuntime().addContainer('bench');
const server = createStreamingServer({ runtime, maxInFlightTokens: 10_000 });
await server.listen();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const count = Number(line);
  const urls = Array.from(
    { length: count },
    () =>
      server.getExec({
        containerId: 'bench',
        cmd: ['cat'],
        stdin: true,
        stdout: true,
        stderr: true,
      }).url,
  );
  process.stdout.write(`${JSON.stringify({ urls })}\n`);
}
await server.close();
