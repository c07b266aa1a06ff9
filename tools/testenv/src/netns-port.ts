import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { closableServer, listenServer, spawnForwarder, splice } from './netns-relay.js';

/** A port inside a network namespace, answering on this namespace's loopback too. */
export interface NetnsPort {
  /** `127.0.0.1:<port>`, the same port on both sides. */
  host: string;
  /** Stops the forwarder and the local server, ending every connection through them. */
  close(): Promise<void>;
}

/**
 * Makes `127.0.0.1:<port>` inside a network namespace (a node agent's API in a node netns)
 * answer on `127.0.0.1:<port>` here: a local TCP server relays each connection over a unix
 * socket in `dir` to a forwarder in the namespace, which dials the port there. Bytes pass
 * through untouched (TLS stays end to end). Resolves once both halves listen.
 */
export async function exposeNetnsPort(opts: {
  port: number;
  netns: string;
  netnsPath: string;
  dir: string;
}): Promise<NetnsPort> {
  const socket = join(opts.dir, `netns-port-${opts.port}.sock`);
  const { forwarder, ready } = spawnForwarder({
    name: `forwarder of ${opts.netns} port ${opts.port}`,
    netns: opts.netns,
    netnsPath: opts.netnsPath,
    args: ['--reverse', socket, '127.0.0.1', String(opts.port)],
    logFile: join(opts.dir, `netns-port-${opts.port}.log`),
    cwd: opts.dir,
    what: `the forwarder of 127.0.0.1:${opts.port} in ${opts.netns}`,
  });
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    splice(conn, connect({ path: socket, allowHalfOpen: true }));
  });
  const closeServer = closableServer(server);
  try {
    await ready;
    await listenServer(server, opts.port, '127.0.0.1');
  } catch (err) {
    await forwarder.terminate();
    throw err;
  }
  server.on('error', () => {});
  return {
    host: `127.0.0.1:${opts.port}`,
    async close() {
      await closeServer();
      await forwarder.terminate();
    },
  };
}
