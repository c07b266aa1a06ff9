import { Duplex, Transform } from 'node:stream';
import { type ClientConnectOptions, connectWebSocket } from './client-connect.js';
import { connectSpdy } from './client-spdy.js';
import { PortForwardError, StreamingError } from './errors.js';
import {
  PORT_FORWARD_PROTOCOL,
  RemoteCommandProtocol,
  StreamType,
} from './remotecommand-protocol.js';
import type { SpdySession } from './spdy-session.js';
import { readAll } from './stream-util.js';
import { WsChannelConn } from './ws-channel-conn.js';

/** Options of {@link openPortForward}. */
export interface PortForwardOptions extends ClientConnectOptions {
  /**
   * `spdy` (kubectl, the kubelet) or `websocket` (v4 channel framing: one connection per
   * port, `ports` required). Default `spdy`. (kubectl >= 1.30's SPDY-over-WebSocket tunnel
   * is served, not spoken: its subprotocol name is not a valid HTTP token for `ws`.)
   */
  transport?: 'spdy' | 'websocket';
  /** With `websocket`: the ports, sent as `?ports=` unless the URL names them. */
  ports?: readonly number[];
}

/** An open port-forward session. */
export interface PortForwardSession {
  readonly transport: 'spdy' | 'websocket';
  readonly protocol: string;
  /**
   * A connection to `port` in the pod. The Duplex is destroyed with a
   * {@link PortForwardError} when the server reports an error for it (listen for 'error').
   * Over `websocket` each port has exactly one connection.
   */
  connect(port: number): Promise<Duplex>;
  /** Ends the session and every connection. */
  close(): void;
  /** Resolves when the session has ended. */
  readonly closed: Promise<void>;
}

/** Opens a PortForward URL as kubectl does. */
export async function openPortForward(
  url: string,
  opts: PortForwardOptions = {},
): Promise<PortForwardSession> {
  if (opts.transport === 'websocket') return openWsPortForward(url, opts);
  return spdyPortForward((await connectSpdy(url, [PORT_FORWARD_PROTOCOL], opts)).session, opts);
}

/**
 * Port-forward over an established client SPDY session (from {@link connectSpdy}, or a
 * session over any byte stream, such as a WebSocket tunnel).
 */
export function spdyPortForward(
  session: SpdySession,
  opts: { timeoutMs?: number } = {},
): PortForwardSession {
  let nextRequest = 0;
  return {
    transport: 'spdy',
    protocol: PORT_FORWARD_PROTOCOL,
    async connect(port: number) {
      const headers = { port: String(port), requestID: String(nextRequest++) };
      const timeout = { timeoutMs: opts.timeoutMs ?? 30_000 };
      const error = await session.openStream({ ...headers, streamType: StreamType.ERROR }, timeout);
      error.end(); // the client never writes on the error stream
      const data = await session.openStream({ ...headers, streamType: StreamType.DATA }, timeout);
      void readAll(error).then((message) => {
        if (message.length > 0) data.destroy(new PortForwardError(port, message.toString()));
      });
      return data;
    },
    close() {
      session.close(500);
    },
    closed: session.closed.then(() => {}),
  };
}

/** Strips the two-byte port prefix the server sends first on a channel, checking it. */
function stripPortPrefix(port: number): Transform {
  let pending: Buffer | null = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (pending === null) return cb(null, chunk);
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 2) return cb();
      const got = pending.readUInt16LE(0);
      const rest = pending.subarray(2);
      pending = null;
      if (got !== port)
        return cb(
          new PortForwardError(port, `server sent port ${got} on the channel of port ${port}`),
        );
      cb(null, rest);
    },
  });
}

async function openWsPortForward(
  url: string,
  opts: PortForwardOptions,
): Promise<PortForwardSession> {
  const ports = opts.ports ?? [];
  if (ports.length === 0)
    throw new StreamingError('a WebSocket port-forward needs `ports`', {
      kind: 'invalid-argument',
    });
  const u = new URL(url);
  if (!u.searchParams.has('ports')) u.searchParams.set('ports', ports.join(','));
  const protocols = [RemoteCommandProtocol.V4];
  const { ws, takeEarlyMessages } = await connectWebSocket(u.toString(), protocols, opts);
  const conn = new WsChannelConn(ws, {
    encoding: 'binary',
    closeSignal: false,
    readChannels: ports.flatMap((_, i) => [i * 2, i * 2 + 1]),
    earlyMessages: takeEarlyMessages(),
  });
  const streams = new Map<number, Duplex>();
  ports.forEach((port, i) => {
    const readable = conn.readable(i * 2).pipe(stripPortPrefix(port));
    const stream = Duplex.from({ readable, writable: conn.writable(i * 2) });
    readable.on('error', (err) => stream.destroy(err));
    void readAll(conn.readable(i * 2 + 1).pipe(stripPortPrefix(port))).then((message) => {
      if (message.length > 0) stream.destroy(new PortForwardError(port, message.toString()));
    });
    streams.set(port, stream);
  });
  const handed = new Set<number>();
  return {
    transport: 'websocket',
    protocol: ws.protocol,
    async connect(port: number) {
      const stream = streams.get(port);
      if (!stream)
        throw new StreamingError(`port ${port} was not requested (ports: ${ports.join(',')})`);
      if (handed.has(port))
        throw new StreamingError(
          `port ${port} is already connected (one connection per port over WebSocket)`,
        );
      handed.add(port);
      return stream;
    },
    close() {
      conn.close(1000);
    },
    closed: conn.closed.then(() => {}),
  };
}
