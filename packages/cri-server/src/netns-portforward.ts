import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Runs in the pod's network namespace (under `nsenter --net`): dials localhost:<port> and
 * hands the connected socket to the shim over the IPC channel (SCM_RIGHTS), then exits.
 * The shim then owns a socket of the pod's netns: bytes flow without a relay process.
 */
const DIALER = `
const net = require('node:net');
const port = Number(process.argv[1]);
const s = net.connect({ host: 'localhost', port });
s.once('connect', () => process.send('connected', s, () => process.disconnect()));
s.once('error', (e) => process.send({ error: e.message }, () => process.disconnect()));
`;

/** Options of {@link dialInNetns}. */
export interface DialOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** The `nsenter` binary. Default `nsenter` from PATH. */
  nsenter?: string;
}

/**
 * A TCP connection to localhost:`port` inside the network namespace at `netnsPath`: a short
 * Node process enters it (`nsenter --net`, no socat needed), connects, and passes the socket
 * back; it exits at once. Rejects with the dial error (e.g. ECONNREFUSED) otherwise.
 */
export function dialInNetns(
  netnsPath: string,
  port: number,
  opts: DialOptions = {},
): Promise<Socket> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // whatever preloads the shim has no business in the dialer
  const child = spawn(
    opts.nsenter ?? 'nsenter',
    [`--net=${netnsPath}`, '--', process.execPath, '-e', DIALER, String(port)],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 2048) stderr += d.toString();
  });
  const where = `localhost:${port} in network namespace ${netnsPath}`;
  return new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dial tcp ${where}: timed out`));
    }, opts.timeoutMs ?? 10_000);
    child.once('message', (msg: unknown, handle: unknown) => {
      clearTimeout(timer);
      if (msg === 'connected' && handle) resolve(handle as Socket);
      else {
        const why = (msg as { error?: string } | null)?.error ?? 'no socket received';
        reject(new Error(`dial tcp ${where}: ${why}`));
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`dial tcp ${where}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // After a message this is a no-op (the promise is settled).
      reject(
        new Error(
          `dial tcp ${where}: the dialer exited (${signal ?? code})${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    });
  });
}

/** How long the other direction may go on once one ended (containerd's, socat's -t). */
const LINGER_MS = 1_000;

/**
 * Connects a port-forward stream to localhost:`port` in the pod's network namespace. A
 * half-close passes through (the client's end of input reaches the pod's server, the
 * server's end reaches the client); once one direction ended, the other gets a second to
 * finish before both are closed, as containerd does (a WebSocket client cannot half-close,
 * and waits for the close).
 */
export async function forwardPort(
  netnsPath: string,
  port: number,
  stream: Duplex,
  signal: AbortSignal,
): Promise<void> {
  const socket = await dialInNetns(netnsPath, port);
  socket.allowHalfOpen = true;
  const onAbort = () => socket.destroy();
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  socket.on('error', () => {});
  stream.on('error', () => socket.destroy());
  stream.on('close', () => socket.destroy());
  stream.pipe(socket);
  socket.pipe(stream);
  let linger: NodeJS.Timeout | undefined;
  const oneEnded = () => {
    linger ??= setTimeout(() => socket.destroy(), LINGER_MS);
  };
  socket.once('end', oneEnded);
  stream.once('end', oneEnded);
  await new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
  clearTimeout(linger);
  signal.removeEventListener('abort', onAbort);
  stream.unpipe(socket);
  socket.unpipe(stream);
}
