import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback front of a registry that wants HTTP Basic credentials (see startAuthProxy). */
export interface AuthProxy {
  /** `127.0.0.1:<port>`: the registry part of image references through the proxy. */
  host: string;
  /** Requests let through with the right credentials. */
  readonly authorized: number;
  /** Requests answered 401 (no or wrong credentials). */
  readonly rejected: number;
  /** Usernames that were offered, right or wrong, in order. */
  readonly usersSeen: readonly string[];
  stop(): Promise<void>;
}

export interface StartAuthProxyOptions {
  /** `127.0.0.1:<port>` of the registry behind. */
  upstream: string;
  username: string;
  password: string;
}

/**
 * Serves the registry at `upstream` on another loopback port, but only to clients that send
 * `username:password` as HTTP Basic auth; others get the registry API's 401 with a Basic
 * challenge, which containerd and Docker answer by retrying with their credentials. This is
 * how a private registry with an htpasswd file behaves to a client, without needing bcrypt
 * for the registry's own htpasswd support.
 */
export async function startAuthProxy(opts: StartAuthProxyOptions): Promise<AuthProxy> {
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const [upHost, upPort] = opts.upstream.split(':');
  let authorized = 0;
  let rejected = 0;
  const usersSeen: string[] = [];
  const server = createServer((req, res) => {
    const given = req.headers.authorization ?? '';
    if (given.startsWith('Basic ')) {
      const user = Buffer.from(given.slice(6), 'base64').toString('utf8').split(':')[0] ?? '';
      usersSeen.push(user);
    }
    if (given !== expected) {
      rejected++;
      req.resume();
      res.writeHead(401, {
        'content-type': 'application/json',
        'docker-distribution-api-version': 'registry/2.0',
        'www-authenticate': 'Basic realm="capstan-test-registry"',
      });
      res.end(
        JSON.stringify({
          errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }],
        }),
      );
      return;
    }
    authorized++;
    const headers = { ...req.headers, host: opts.upstream };
    delete headers.authorization;
    const up = request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers },
      (upRes) => {
        const out = { ...upRes.headers };
        if (typeof out.location === 'string')
          out.location = out.location.replace(opts.upstream, address());
        res.writeHead(upRes.statusCode ?? 502, out);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = () => `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host = address();
  return {
    host,
    get authorized() {
      return authorized;
    },
    get rejected() {
      return rejected;
    },
    usersSeen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
