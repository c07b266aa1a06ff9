import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiStatusError } from './api-status.js';
import { writeRawStatus } from './api-stream-proxy.js';

// Broken and slow clients. Node's HTTP parser answers what it cannot parse (and clients
// that run out of time) with a bare `400 Bad Request` and no body; here they get a
// Kubernetes Status like every other error. A client that trickles its headers or its body
// (slowloris) is cut off after `headersTimeoutMs` / `requestTimeoutMs` instead of Node's
// 60 s / 300 s (checked every 30 s): the kube-apiserver's ReadHeaderTimeout is 32 s.
// Both bound receiving the request only: watches, logs and proxied streams are not cut.

export interface ClientLimits {
  /** Longest wait for a request's headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Longest wait for a whole request (headers and body). Default 60 s. */
  requestTimeoutMs?: number;
  /** Longest TLS handshake. Default 10 s. */
  handshakeTimeoutMs?: number;
}

/** The options of `http(s).createServer` that bound slow clients. */
export function serverLimits(limits: ClientLimits): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  handshakeTimeout: number;
  requireHostHeader: boolean;
} {
  const headersTimeout = limits.headersTimeoutMs ?? 30_000;
  return {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs ?? 60_000),
    // How often requests are checked against both timeouts (Node's default: 30 s).
    connectionsCheckingInterval: Math.min(5_000, headersTimeout),
    handshakeTimeout: limits.handshakeTimeoutMs ?? 10_000,
    // Node answers a missing Host with a bare 400; hostHeaderMissing() answers it with a Status.
    requireHostHeader: false,
  };
}

/** An HTTP/1.1 request without a Host header is a 400 (RFC 9112 section 3.2). */
export function hostHeaderMissing(req: IncomingMessage): ApiStatusError | undefined {
  if (req.httpVersion !== '1.1' || req.headers.host !== undefined) return undefined;
  return new ApiStatusError(400, 'BadRequest', 'missing required Host header');
}

/** What Node's parser error codes mean for the client. */
function statusOfClientError(err: NodeJS.ErrnoException): ApiStatusError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiStatusError(
        431,
        'RequestHeaderFieldsTooLarge',
        'the request headers are too large',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiStatusError(408, 'Timeout', 'the request was not received in time');
    default:
      return new ApiStatusError(400, 'BadRequest', `malformed HTTP request: ${err.message}`);
  }
}

/** Answers client errors (unparsable requests, timeouts) with a Status. */
export function answerClientErrors(server: HttpServer): void {
  // The response in progress on each connection: an error in the middle of one cannot be
  // answered without corrupting it.
  const inFlight = new WeakMap<Socket, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight.set(req.socket, res);
    res.once('finish', () => inFlight.delete(req.socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const res = inFlight.get(socket);
    // Only the HTTP parser's errors and its timeouts are answered; anything else (a reset,
    // a TLS handshake that failed or timed out: https re-emits those here) just closes.
    const http = err.code?.startsWith('HPE_') || err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!http || !socket.writable || res?.headersSent) {
      socket.destroy();
      return;
    }
    writeRawStatus(socket, statusOfClientError(err));
  });
}
