import { request } from 'node:http';
import { connect } from 'node:net';

/** A buffered HTTP response. */
export interface UnixHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One HTTP/1.1 request over a unix socket (the Docker Engine API, for instance), with
 * the whole response body buffered. A plain object body is sent as JSON.
 */
export function unixRequest(
  socketPath: string,
  opts: {
    method?: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<UnixHttpResponse> {
  const body =
    opts.body === undefined
      ? undefined
      : Buffer.isBuffer(opts.body)
        ? opts.body
        : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = { host: 'localhost', ...opts.headers };
  if (body !== undefined) {
    headers['content-length'] = String(body.length);
    if (!Buffer.isBuffer(opts.body)) headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method: opts.method ?? 'GET', path: opts.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.setTimeout(opts.timeoutMs ?? 60_000, () =>
      req.destroy(new Error(`${opts.method ?? 'GET'} ${opts.path} on ${socketPath}: timed out`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves true when something accepts a connection on the unix socket. */
export function socketAccepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(socketPath);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
