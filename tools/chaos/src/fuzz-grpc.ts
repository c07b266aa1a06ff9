// Raw gRPC over node:http2: whatever bytes a case wants on the wire, and what came back,
// classified (a gRPC status, an HTTP answer without one, a reset, or nothing in time).
import { type ClientHttp2Session, constants, connect as h2connect } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';

export type CallOutcome =
  | { kind: 'status'; code: number; message: string; messages: number; data: Buffer }
  | { kind: 'http'; httpStatus: number; detail: string }
  | { kind: 'reset'; detail: string }
  | { kind: 'timeout' };

export interface RawCall {
  path: string;
  /** The request body: usually one gRPC frame, or anything at all. */
  body: Buffer;
  headers?: Record<string, string>;
  /** Sent as grpc-timeout; the client gives up `graceMs` after it. */
  timeoutMs: number;
  graceMs?: number;
  /** A server-streaming RPC: the first message (or a status) is enough; then cancel. */
  streaming?: boolean;
}

/** `unix:///x`, `unix:/x` or `host:port` -> a socket factory. */
export function dialer(address: string): () => Socket {
  if (address.startsWith('unix://')) return () => netConnect(address.slice(7));
  if (address.startsWith('unix:')) return () => netConnect(address.slice(5));
  const at = address.lastIndexOf(':');
  return () => netConnect(Number(address.slice(at + 1)), address.slice(0, at));
}

/** One call on a fresh HTTP/2 connection. Never rejects. */
export function rawCall(address: string, call: RawCall): Promise<CallOutcome> {
  return new Promise((resolve) => {
    let session: ClientHttp2Session | undefined;
    let done = false;
    const finish = (o: CallOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session?.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ kind: 'timeout' }),
      call.timeoutMs + (call.graceMs ?? 3_000),
    );
    const dial = dialer(address);
    // Node's default session memory (10 MB) makes this client itself reset a stream that
    // sends a message over 16 MiB (ENHANCE_YOUR_CALM) before the server's status arrives.
    session = h2connect('http://localhost', {
      createConnection: () => dial(),
      maxSessionMemory: 256,
    });
    session.on('error', (e) => finish({ kind: 'reset', detail: `session: ${e.message}` }));
    session.on('close', () => {
      if (status !== undefined)
        finish({ kind: 'status', code: Number(status), message, messages, data: firstMessage() });
      else finish({ kind: 'reset', detail: 'connection closed before a status' });
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': call.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${Math.max(1, Math.ceil(call.timeoutMs))}m`,
      ...call.headers,
    });
    let httpStatus = 0;
    let status: string | undefined;
    let message = '';
    let messages = 0;
    let buffered = 0;
    const chunks: Buffer[] = [];
    const firstMessage = () => {
      const all = Buffer.concat(chunks);
      return all.length < 5 ? Buffer.alloc(0) : all.subarray(5, 5 + all.readUInt32BE(1));
    };
    const settleStatus = () => {
      if (status === undefined) return false;
      finish({ kind: 'status', code: Number(status), message, messages, data: firstMessage() });
      return true;
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      if (h['grpc-status'] !== undefined) {
        status = String(h['grpc-status']);
        message = safeDecode(String(h['grpc-message'] ?? ''));
      }
    });
    stream.on('trailers', (t) => {
      status = String(t['grpc-status'] ?? status);
      message = safeDecode(String(t['grpc-message'] ?? message));
    });
    stream.on('data', (c: Buffer) => {
      buffered += c.length;
      if (buffered < 32 << 20) chunks.push(c);
      // Count whole gRPC messages only roughly: any data is one answer for a stream.
      if (buffered >= 5) messages = Math.max(messages, 1);
      if (call.streaming && messages > 0 && httpStatus === 200) {
        finish({
          kind: 'status',
          code: 0,
          message: 'stream message',
          messages,
          data: firstMessage(),
        });
      }
    });
    stream.on('error', (e) => finish({ kind: 'reset', detail: `stream: ${e.message}` }));
    stream.on('close', () => {
      if (settleStatus()) return;
      if (httpStatus !== 0 && httpStatus !== 200) {
        finish({ kind: 'http', httpStatus, detail: 'HTTP answer without grpc-status' });
        return;
      }
      const code = stream.rstCode;
      finish({
        kind: 'reset',
        detail:
          code && code !== constants.NGHTTP2_NO_ERROR
            ? `RST_STREAM ${code}`
            : 'stream ended without grpc-status',
      });
    });
    stream.end(call.body);
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Garbage on a raw connection (not HTTP/2): the server must close it, and go on serving. */
export function rawConnection(
  address: string,
  bytes: Buffer,
  timeoutMs: number,
): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const sock = dialer(address)();
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('open');
    }, timeoutMs);
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    sock.on('data', () => {});
    sock.write(bytes);
  });
}
