import { PORT_FORWARD_PROTOCOL, StreamType } from './remotecommand-protocol.js';
import { RstStatus } from './spdy-frame.js';
import { headerValue } from './spdy-header-block.js';
import type { SpdySession } from './spdy-session.js';
import type { SpdyStream } from './spdy-stream.js';
import type { StreamingLogger } from './streaming-logger.js';
import type { StreamingRuntime } from './streaming-runtime.js';

/** The SPDY port-forward subprotocols the server accepts. */
export const SPDY_PORT_FORWARD_PROTOCOLS: readonly string[] = [PORT_FORWARD_PROTOCOL];

/** What a port-forward URL was issued for. */
export interface PortForwardTarget {
  podSandboxId: string;
  /** Ports the request named; when non-empty, only these may be forwarded. */
  ports: readonly number[];
}

interface Pair {
  requestId: string;
  port: number;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** A port header value as a port number, or undefined. */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Server side of port-forward over SPDY (the kubelet's httpStreamHandler): the client opens
 * an error stream and a data stream per forwarded connection, with the same `port` and
 * `requestID` headers; once both are there the data stream is handed to the runtime, and
 * a failure is written as text on the error stream. Resolves when the session closes.
 */
export function servePortForwardSpdy(
  session: SpdySession,
  target: PortForwardTarget,
  runtime: StreamingRuntime,
  opts: { creationTimeoutMs: number; logger: StreamingLogger },
): Promise<void> {
  const pairs = new Map<string, Pair>();
  const abort = new AbortController();
  const log = opts.logger;

  const forward = async (pair: Pair) => {
    const data = pair.data!;
    const error = pair.error!;
    try {
      if (target.ports.length > 0 && !target.ports.includes(pair.port)) {
        throw new Error(
          `port ${pair.port} is not one of the forwarded ports ${target.ports.join(',')}`,
        );
      }
      await runtime.portForward(target.podSandboxId, pair.port, data, abort.signal);
    } catch (err) {
      const message = `error forwarding port ${pair.port} to pod ${target.podSandboxId}: ${(err as Error).message}`;
      log.debug?.({ port: pair.port, err: (err as Error).message }, 'port-forward failed');
      if (!error.destroyed) error.write(message);
    } finally {
      if (!data.writableEnded) data.end();
      if (!error.writableEnded) error.end();
    }
  };

  session.on('stream', (stream: SpdyStream) => {
    const port = parsePort(headerValue(stream.headers, 'port'));
    const type = headerValue(stream.headers, 'streamType');
    if (port === undefined || (type !== StreamType.DATA && type !== StreamType.ERROR)) {
      stream.reset(RstStatus.REFUSED_STREAM);
      return;
    }
    // Clients older than requestID pair streams by ID: error n, data n + 2 (as the kubelet guesses).
    const requestId =
      headerValue(stream.headers, 'requestID') ??
      String(type === StreamType.ERROR ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const created: Pair = {
        requestId,
        port,
        timer: setTimeout(() => {
          pairs.delete(requestId);
          created.error?.end(`timed out waiting for the streams of request ${requestId}`);
          created.data?.end();
        }, opts.creationTimeoutMs),
      };
      pair = created;
      pairs.set(requestId, pair);
    }
    const slot = type === StreamType.DATA ? 'data' : 'error';
    if (pair[slot]) {
      stream.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    stream.accept();
    pair[slot] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair);
    }
  });

  return session.closed.then(() => {
    abort.abort();
    for (const p of pairs.values()) clearTimeout(p.timer);
  });
}
