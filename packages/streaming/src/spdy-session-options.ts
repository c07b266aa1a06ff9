import type { StreamingLogger } from './streaming-logger.js';

/** Options of `SpdySession`. */
export interface SpdySessionOptions {
  /** Which side this is: stream IDs are odd for the client, even for the server. */
  role: 'client' | 'server';
  /** Bytes already read past the HTTP upgrade (the `head` of Node's 'upgrade' event). */
  head?: Buffer;
  /** Receive window advertised for each stream (SETTINGS INITIAL_WINDOW_SIZE). Default 1 MiB. */
  initialWindow?: number;
  /**
   * How the peer's windows are honoured. `auto` (default): once the peer shows it does flow
   * control (a WINDOW_UPDATE or an INITIAL_WINDOW_SIZE setting). Go's spdystream, inside
   * kubectl and the kubelet, never sends either and ignores windows, so holding data back
   * for it would stall. `on`: always; `off`: never.
   */
  flowControl?: 'auto' | 'on' | 'off';
  /** Close the session after this long without a frame in either direction (0: never). */
  idleTimeoutMs?: number;
  /** Inbound streams open at once before new ones are refused. Default 1000. */
  maxConcurrentStreams?: number;
  logger?: StreamingLogger;
}
