// Streaming throughput: N concurrent exec sessions each echo SIZE bytes through `cat`, over
// SPDY and over WebSocket, against a server in its own process (so its memory is its own).
// Prints MiB/s (bytes sent by the clients, each of which also comes back) and the server's
// resident memory. The server runs the built package (the script builds first).
// Usage: pnpm --filter @capstan/streaming bench [sessions] [MiB each]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { openRemoteCommand } from '../src/index.js';

const sessions = Number(process.argv[2] ?? 50);
const size = Number(process.argv[3] ?? 1) * 1024 * 1024;
const rounds = 3;

const child = spawn(process.execPath, [new URL('./server-child.mjs', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
const next = async () => JSON.parse((await lines.next()).value as string) as { urls?: string[] };
await next();

const memory = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
};

async function echo(url: string, transport: 'spdy' | 'websocket', payload: Buffer): Promise<void> {
  const s = await openRemoteCommand(url, { transport, stdin: true });
  const hash = createHash('sha256');
  s.stdout!.on('data', (d: Buffer) => hash.update(d));
  s.stderr!.resume();
  Readable.from([payload]).pipe(s.stdin!);
  const outcome = await s.done;
  if (
    outcome.exitCode !== 0 ||
    hash.digest('hex') !== createHash('sha256').update(payload).digest('hex')
  ) {
    throw new Error(`session corrupted: ${JSON.stringify(outcome)}`);
  }
}

const idle = memory();
const rows: string[] = [];
for (const transport of ['spdy', 'websocket'] as const) {
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    child.stdin!.write(`${sessions}\n`);
    const { urls } = await next();
    const payloads = urls!.map(() => randomBytes(size));
    const started = performance.now();
    await Promise.all(urls!.map((u, i) => echo(u, transport, payloads[i]!)));
    const seconds = (performance.now() - started) / 1000;
    rates.push((sessions * size) / (1024 * 1024) / seconds);
  }
  rates.sort((a, b) => a - b);
  const m = memory();
  rows.push(
    `| ${transport} | ${sessions} x ${size / 1048576} MiB | ${rates[1]!.toFixed(1)} | ${rates[0]!.toFixed(1)}-${rates[2]!.toFixed(1)} | ${m.rss.toFixed(0)} | ${m.peak.toFixed(0)} |`,
  );
}
process.stdout.write(
  [
    `server idle RSS: ${idle.rss.toFixed(0)} MiB`,
    '| transport | sessions | MiB/s (median of 3) | range | server RSS after (MiB) | server peak RSS (MiB) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n'),
);
child.stdin!.end();
child.kill();
