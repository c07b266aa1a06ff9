import { chmod, chown, lstat, mkdir, mkdtemp, rename, rm, rmdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect, isIPv6 } from 'node:net';
import { dirname, join } from 'node:path';

/** Hosts a TCP listener may bind: loopback only, the pod API never faces a network. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function urlHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

function listenOn(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

export async function listenTcp(server: Server, host: string, port: number): Promise<number> {
  await listenOn(server, { host, port });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

/** Whether something accepts connections on the unix socket at `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// Longest unix socket path (sun_path is 108 bytes with its NUL).
const MAX_SOCKET_PATH = 107;

/**
 * Listens on a unix socket with `mode` (and group `gid`), never exposing it with looser
 * permissions: the socket is created in a fresh 0700 directory beside `path`, chmod-ed,
 * then renamed into place. A stale socket at `path` is replaced; a live one is an error.
 */
export async function listenUnix(
  server: Server,
  path: string,
  mode: number,
  gid?: number,
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing) {
    if (!existing.isSocket())
      throw new Error(`pod API socket ${path}: the path exists and is not a socket`);
    if (await isLive(path))
      throw new Error(`pod API socket ${path}: another server is listening on it`);
    await rm(path, { force: true });
  }
  const apply = async (p: string) => {
    await chmod(p, mode);
    if (gid !== undefined) await chown(p, process.getuid?.() ?? 0, gid);
  };
  const privateDir = await mkdtemp(join(dir, '.pod-api-'));
  const tmp = join(privateDir, 's');
  try {
    if (tmp.length > MAX_SOCKET_PATH) {
      // No room for the private directory: the socket exists with the umask's mode until chmod.
      await listenOn(server, path);
      await apply(path);
      return;
    }
    await listenOn(server, tmp);
    await apply(tmp);
    await rename(tmp, path);
  } finally {
    await rmdir(privateDir).catch(() => {});
  }
}
