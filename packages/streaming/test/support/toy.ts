import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import {
  createStreamingServer,
  LocalProcessRuntime,
  type LocalProcessRuntimeOptions,
  type SessionEvent,
  type StreamingServer,
  type StreamingServerOptions,
} from '../../src/index.js';

/** A toy runtime (host processes) with one container `c1` and one sandbox `p1`, and its server. */
export interface Toy {
  runtime: LocalProcessRuntime;
  server: StreamingServer;
  base: string;
  sessions: SessionEvent[];
  close(): Promise<void>;
}

export async function startToy(
  opts: Partial<StreamingServerOptions> = {},
  runtimeOpts: LocalProcessRuntimeOptions = {},
): Promise<Toy> {
  const runtime = new LocalProcessRuntime(runtimeOpts).addContainer('c1').addSandbox('p1');
  const sessions: SessionEvent[] = [];
  const server = createStreamingServer({ runtime, onSession: (e) => sessions.push(e), ...opts });
  const base = await server.listen();
  return {
    runtime,
    server,
    base,
    sessions,
    async close() {
      await server.close();
      await runtime.close();
    },
  };
}

/** A TCP server on 127.0.0.1 answering each chunk with `echo:<chunk>`. */
export async function startEchoServer(): Promise<{ port: number; server: Server }> {
  const server = createServer({ allowHalfOpen: true }, (c) => {
    c.on('data', (d) => c.write(Buffer.concat([Buffer.from('echo:'), d])));
    c.on('end', () => c.end());
    c.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server };
}

/** Session events that ended. */
export const ended = (t: Toy) => t.sessions.filter((e) => e.phase === 'end');
