import { type IncomingMessage, STATUS_CODES } from 'node:http';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { StreamTarget } from '../pod/pod-manager.js';
import type { ApiContext } from './api-context.js';
import type { Query } from './api-http.js';
import { containerOf } from './api-logs.js';
import { ApiStatusError, badRequest, type KubeStatus, notFound, statusOf } from './api-status.js';

// exec, attach and port-forward: kubectl's upgrade request (SPDY/3.1, or WebSocket from
// kubectl >= 1.30, which falls back to SPDY when the runtime refuses it) is replayed
// against the runtime's streaming URL and the bytes are piped both ways, so whatever
// protocol the client and the runtime agree on passes through unchanged. Every request
// asks the manager for a fresh URL: streaming URLs are single use, and a WebSocket
// attempt the runtime refuses consumes its URL before kubectl retries with SPDY.

/** Request headers not passed to the runtime: ours (auth, host), not the runtime's. */
const DROPPED_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'cookie']);

export type StreamKind = 'exec' | 'attach' | 'portforward';

/** Asks the manager for the streaming URL a pods/exec|attach|portforward request needs. */
export async function streamTargetOf(
  ctx: ApiContext,
  kind: StreamKind,
  namespace: string,
  name: string,
  query: Query,
): Promise<StreamTarget> {
  const pod = ctx.manager.get(namespace, name);
  if (!pod) throw notFound('pods', name);
  if (kind === 'portforward') {
    // SPDY clients name ports per stream; WebSocket clients list them in `ports`.
    const ports = query
      .all('ports')
      .flatMap((p) => p.split(','))
      .filter((p) => p !== '')
      .map((p) => {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 1 || n > 65535)
          throw badRequest(`ports: invalid port "${p}"`);
        return n;
      });
    return ctx.manager.portForward(namespace, name, ports);
  }
  const container = containerOf(pod, query.string('container'));
  const io = {
    stdin: query.bool('stdin'),
    stdout: query.bool('stdout'),
    stderr: query.bool('stderr'),
    tty: query.bool('tty'),
  };
  if (!io.stdin && !io.stdout && !io.stderr) {
    throw badRequest('you must specify at least one of stdin, stdout, stderr');
  }
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(
      `cannot ${kind === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${phase}`,
    );
  }
  if (kind === 'attach') return ctx.manager.attach(namespace, name, container, io);
  const command = query.all('command');
  if (command.length === 0) throw badRequest('you must specify at least 1 command');
  return ctx.manager.exec(namespace, name, container, command, io);
}

/** Answers an upgrade request with a Status instead of switching protocols. */
export function writeRawStatus(socket: Duplex, err: unknown): KubeStatus {
  const status = statusOf(err);
  const body = JSON.stringify(status);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  } else {
    socket.destroy();
  }
  return status;
}

/**
 * Replays `req` (method, streaming URL's path, the client's upgrade headers) to the
 * streaming server at `url` and pipes both connections together. Resolves once the
 * upstream connection is up; a failure before that becomes a 503 Status.
 */
export function proxyUpgrade(
  ctx: ApiContext,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  url: string,
  tlsOptions?: ConnectionOptions,
): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch (err) {
    throw new ApiStatusError(
      500,
      'InternalError',
      `the runtime returned a streaming URL that is not absolute: "${url}"`,
      undefined,
      { cause: err },
    );
  }
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') {
    throw new ApiStatusError(500, 'InternalError', `unsupported streaming URL scheme in "${url}"`);
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      upstream.off('error', onEarlyError);
      if (client.destroyed) {
        // The client left while the manager or the connection were on their way.
        upstream.destroy();
        resolve();
        return;
      }
      const lines = [
        `${req.method} ${target.pathname}${target.search} HTTP/1.1`,
        `Host: ${target.host}`,
      ];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] as string;
        if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1] as string}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      const done = () => {
        client.destroy();
        upstream.destroy();
        ctx.sockets.delete(client);
      };
      client.on('error', done);
      upstream.on('error', (err) => {
        ctx.logger.warn(
          { url: `${target.origin}${target.pathname}`, err: err.message },
          'streaming connection to the runtime failed',
        );
        done();
      });
      client.on('close', done);
      // The runtime closing its side ends ours once what it sent is flushed.
      upstream.on('close', () => {
        if (!client.writableEnded) client.end();
        client.once('finish', done);
        setTimeout(done, 5000).unref();
      });
      resolve();
    };
    const onEarlyError = (err: Error) => {
      reject(
        new ApiStatusError(
          503,
          'ServiceUnavailable',
          `cannot reach the runtime's streaming server at ${target.host}: ${err.message}`,
          undefined,
          { cause: err },
        ),
      );
    };
    const upstream: Socket = secure
      ? tlsConnect(
          { host, port, ...(isIP(host) ? {} : { servername: host }), ...tlsOptions },
          onConnect,
        )
      : netConnect({ host, port }, onConnect);
    upstream.once('error', onEarlyError);
    upstream.setNoDelay(true);
    if ('setNoDelay' in client) (client as Socket).setNoDelay(true);
  });
}
