import { type ClientRequest, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { StreamingTimeoutError, UpgradeFailedError } from './errors.js';

/** How a client reaches a streaming URL. */
export interface ClientConnectOptions {
  /** TLS options for `https://` URLs (ca, rejectUnauthorized, cert, key...). */
  tls?: ConnectionOptions;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /**
   * Makes the connection instead of a TCP dial, e.g. to a unix socket relay into another
   * network namespace: `() => net.connect('/run/relay.sock')`.
   */
  createConnection?: () => Duplex;
  /** Give up if the upgrade has not completed in this time. Default 30 s. */
  timeoutMs?: number;
}

/** An upgraded connection. */
export interface UpgradedConnection {
  socket: Duplex;
  /** Bytes the server sent after its 101 response. */
  head: Buffer;
  headers: IncomingHttpHeaders;
}

function collectBody(res: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.on('data', (d: Buffer) => {
      if (body.length < 4096) body += d.toString();
    });
    res.on('end', () => resolve(body));
    res.on('error', () => resolve(body));
  });
}

/** Sends an HTTP upgrade request and resolves with the upgraded socket. */
export function upgradeRequest(
  url: string,
  opts: ClientConnectOptions & {
    method?: string;
    upgradeHeaders: Record<string, string | string[]>;
  },
): Promise<UpgradedConnection> {
  const u = new URL(url);
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  const make = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    const timer = setTimeout(() => {
      req.destroy(
        new StreamingTimeoutError(
          `upgrade of ${url} took longer than ${opts.timeoutMs ?? 30_000} ms`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    req = make({
      protocol: secure ? 'https:' : 'http:',
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port || (secure ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method: opts.method ?? 'POST',
      headers: { ...opts.headers, ...opts.upgradeHeaders, Connection: 'Upgrade' },
      ...(opts.createConnection
        ? { createConnection: opts.createConnection as never }
        : { agent: false }),
      ...(secure ? opts.tls : {}),
    });
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      resolve({ socket, head, headers: res.headers });
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      void collectBody(res).then((body) =>
        reject(new UpgradeFailedError(res.statusCode ?? 0, body, url)),
      );
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** An open WebSocket and the messages that arrived with the handshake. */
export interface ConnectedWebSocket {
  ws: WebSocket;
  /**
   * Stops buffering and returns the messages received so far: a server may send its first
   * messages in the same packet as the 101 response, before the caller's listener exists.
   */
  takeEarlyMessages(): Buffer[];
}

/** Opens a WebSocket offering `protocols`; an HTTP error answer becomes {@link UpgradeFailedError}. */
export function connectWebSocket(
  url: string,
  protocols: readonly string[],
  opts: ClientConnectOptions,
): Promise<ConnectedWebSocket> {
  const wsUrl = url.replace(/^http/, 'ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, [...protocols], {
      perMessageDeflate: false,
      handshakeTimeout: opts.timeoutMs ?? 30_000,
      maxPayload: 16 * 1024 * 1024,
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.createConnection ? { createConnection: opts.createConnection as never } : {}),
      ...(wsUrl.startsWith('wss:') ? opts.tls : {}),
    });
    const early: Buffer[] = [];
    const buffer = (data: Buffer) => early.push(data);
    ws.on('message', buffer);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve({
        ws,
        takeEarlyMessages: () => {
          ws.off('message', buffer);
          return early;
        },
      });
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.off('error', reject);
      void collectBody(res).then((body) =>
        reject(new UpgradeFailedError(res.statusCode ?? 0, body, url)),
      );
    });
    ws.once('error', reject);
  });
}
