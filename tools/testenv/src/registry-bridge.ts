import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { DaemonProcess } from './daemon-process.js';
import { closableServer, listenServer, spawnForwarder, splice } from './netns-relay.js';

/** See bridgeRegistry. */
export interface RegistryBridge {
  /** The in-namespace forwarder (stop it like a daemon). */
  forwarder: DaemonProcess;
  /** The unix socket between the two halves. */
  socket: string;
  /**
   * Settles once the forwarder listens in the namespace; rejects (with its log) if it
   * exits first. The caller stops the forwarder and calls close() either way.
   */
  ready: Promise<void>;
  /** Closes the host-side server and every connection through it. */
  close(): Promise<void>;
}

function parseLoopbackHost(registryHost: string): number {
  const m = /^127\.0\.0\.1:(\d{1,5})$/.exec(registryHost);
  const port = Number(m?.[1]);
  if (m === null || port < 1 || port > 65_535) {
    throw new Error(`registry bridge: registryHost must be 127.0.0.1:<port>, got ${registryHost}`);
  }
  return port;
}

/**
 * Makes a registry on the host's 127.0.0.1:<port> answer on 127.0.0.1:<port> inside a
 * network namespace too: a forwarder process in the namespace (TCP -> unix socket) and a
 * server in this process (unix socket -> TCP). Resolves once the host side listens and
 * the forwarder is spawned; `ready` tells when the forwarder listens.
 */
export async function bridgeRegistry(opts: {
  registryHost: string;
  /** Name of the network namespace (for messages). */
  netns: string;
  /** `/run/netns/<name>`. */
  netnsPath: string;
  /** Private dir: holds the socket and the forwarder's log. */
  dir: string;
}): Promise<RegistryBridge> {
  const port = parseLoopbackHost(opts.registryHost);
  const socket = join(opts.dir, 'registry-bridge.sock');
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    splice(conn, connect({ host: '127.0.0.1', port, allowHalfOpen: true }));
  });
  const close = closableServer(server);
  await listenServer(server, socket);
  // After listen, errors belong to single connections (handled in splice).
  server.on('error', () => {});
  // Like the daemons: a test that forgets stop() must not hold the runner's event loop.
  server.unref();

  const { forwarder, ready } = spawnForwarder({
    name: 'registry forwarder',
    netns: opts.netns,
    netnsPath: opts.netnsPath,
    args: ['127.0.0.1', String(port), socket],
    logFile: join(opts.dir, 'registry-forwarder.log'),
    cwd: opts.dir,
    what: `listening on 127.0.0.1:${port} in ${opts.netns}`,
  });
  return { forwarder, socket, ready, close };
}
