import { readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type DaemonProcess, daemonEnv, spawnDaemon, waitUntilReady } from './daemon-process.js';

// Relays between this process's network namespace and another one: a forwarder process
// inside the namespace (netns-forwarder.mjs) and a server here, joined by a unix socket
// (a socket file is reachable from every network namespace).

const FORWARDER = fileURLToPath(new URL('./netns-forwarder.mjs', import.meta.url));

/** Pipes both ways (half-closes pass through); an error or close on one side ends both. */
export function splice(a: Socket, b: Socket): void {
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

/** `server.listen(...args)` as a promise that rejects on a bind error. */
export function listenServer(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 1) server.listen(args[0], done);
    else server.listen(args[0], args[1], done);
  });
}

/**
 * Tracks a server's open connections so close() can end them (server.close only stops
 * accepting); resolves once the server is closed.
 */
export function closableServer(server: Server): () => Promise<void> {
  const conns = new Set<Socket>();
  server.on('connection', (c: Socket) => {
    conns.add(c);
    c.once('close', () => conns.delete(c));
  });
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const c of conns) c.destroy();
    });
    return closing;
  };
}

/**
 * Spawns netns-forwarder.mjs inside a network namespace with `args`; `ready` settles once
 * it listens (rejects with its log if it exits first). The caller stops it like a daemon.
 */
export function spawnForwarder(opts: {
  name: string;
  netns: string;
  netnsPath: string;
  args: readonly string[];
  logFile: string;
  cwd: string;
  /** What `ready` waits for, for its error message. */
  what: string;
}): { forwarder: DaemonProcess; ready: Promise<void> } {
  const env = daemonEnv();
  // Whatever vitest or the caller preloads has no business in the forwarder.
  delete env.NODE_OPTIONS;
  const forwarder = spawnDaemon({
    name: opts.name,
    // nsenter, not `ip netns exec`: the latter would give this long-lived process a private
    // copy of the mount table, pinning every mount of the moment (other containerds' pod
    // netns and rootfs included) until it exits.
    command: 'nsenter',
    args: [`--net=${opts.netnsPath}`, '--', process.execPath, FORWARDER, ...opts.args],
    logFile: opts.logFile,
    cwd: opts.cwd,
    env,
  });
  const ready = waitUntilReady(forwarder, opts.what, async () =>
    readFileSync(opts.logFile, 'utf8').includes('listening '),
  );
  // Awaited by the caller when it can; a failed start that never gets there must not
  // surface as an unhandled rejection.
  ready.catch(() => {});
  return { forwarder, ready };
}
