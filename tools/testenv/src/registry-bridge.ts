import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DaemonProcess, daemonEnv, spawnDaemon, waitUntilReady } from './daemon-process.js';

const FORWARDER = fileURLToPath(new URL('./netns-forwarder.mjs', import.meta.url));

/** Pipes both ways (half-closes pass through); an error or close on one side ends both. */
function splice(a: Socket, b: Socket): void {
  const done = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', done);
  b.on('error', done);
  a.on('close', done);
  b.on('close', done);
  a.pipe(b);
  b.pipe(a);
}

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

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
  const conns = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    conns.add(conn);
    conns.add(upstream);
    conn.once('close', () => conns.delete(conn));
    upstream.once('close', () => conns.delete(upstream));
    splice(conn, upstream);
  });
  await listen(server, socket);
  // After listen, errors belong to single connections (handled in splice).
  server.on('error', () => {});
  // Like the daemons: a test that forgets stop() must not hold the runner's event loop.
  server.unref();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const c of conns) c.destroy();
    });
    return closing;
  };

  const env = daemonEnv();
  // Whatever vitest or the caller preloads has no business in the forwarder.
  delete env.NODE_OPTIONS;
  const logFile = join(opts.dir, 'registry-forwarder.log');
  const forwarder = spawnDaemon({
    name: 'registry forwarder',
    // nsenter, not `ip netns exec`: the latter would give this long-lived process a private
    // copy of the mount table, pinning every mount of the moment (other containerds' pod
    // netns and rootfs included) until it exits.
    command: 'nsenter',
    args: [
      `--net=${opts.netnsPath}`,
      '--',
      process.execPath,
      FORWARDER,
      '127.0.0.1',
      String(port),
      socket,
    ],
    logFile,
    cwd: opts.dir,
    env,
  });
  const ready = waitUntilReady(
    forwarder,
    `listening on 127.0.0.1:${port} in ${opts.netns}`,
    async () => readFileSync(logFile, 'utf8').includes('listening '),
  );
  // Awaited by the caller when it can; a failed start that never gets there must not
  // surface as an unhandled rejection.
  ready.catch(() => {});
  return { forwarder, socket, ready, close };
}
