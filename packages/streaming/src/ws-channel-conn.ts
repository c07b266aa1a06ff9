import { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { noopLogger, type StreamingLogger } from './streaming-logger.js';
import {
  type ChannelEncoding,
  decodeChannelMessage,
  encodeChannelMessage,
  encodeCloseSignal,
} from './ws-channel.js';

/** Options of {@link WsChannelConn}. */
export interface WsChannelConnOptions {
  encoding: ChannelEncoding;
  /** v5: honour and send the CLOSE signal. */
  closeSignal: boolean;
  /** Channels this side reads; messages on other channels are dropped. */
  readChannels: readonly number[];
  /** Messages received before this object existed, handled first. */
  earlyMessages?: readonly Buffer[];
  logger?: StreamingLogger;
}

/** Largest payload put in one WebSocket message. */
const MAX_MESSAGE_PAYLOAD = 32 * 1024;

/**
 * Channel multiplexing over one WebSocket, for either side: each read channel is a
 * Readable (ended by a v5 CLOSE signal or when the socket closes), each write channel a
 * Writable whose chunks become channel-prefixed messages. Backpressure goes both ways: a
 * full Readable pauses the socket, a Writable's callback waits for the socket write.
 */
export class WsChannelConn {
  /** Aborted when the WebSocket closes. */
  readonly signal: AbortSignal;
  /** Resolves with the close code once the WebSocket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;
  private readonly opts: WsChannelConnOptions;
  private readonly log: StreamingLogger;
  private readonly readables = new Map<number, Readable>();
  private readonly full = new Set<number>();
  private readonly ended = new Set<number>();
  private readonly abort = new AbortController();

  constructor(ws: WebSocket, opts: WsChannelConnOptions) {
    this.ws = ws;
    this.opts = opts;
    this.log = opts.logger ?? noopLogger;
    this.signal = this.abort.signal;
    for (const ch of opts.readChannels) {
      this.readables.set(
        ch,
        new Readable({
          highWaterMark: 64 * 1024,
          read: () => {
            if (this.full.delete(ch) && this.full.size === 0 && ws.readyState === ws.OPEN)
              ws.resume();
          },
        }),
      );
    }
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        for (const ch of this.readables.keys()) this.endChannel(ch);
        this.abort.abort();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', (err: Error) => {
      this.log.debug?.({ err: err.message }, 'WebSocket error');
    });
    for (const m of opts.earlyMessages ?? []) this.onMessage(m);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.onMessage(toBuffer(data)));
  }

  /** The Readable of a read channel. */
  readable(channel: number): Readable {
    const r = this.readables.get(channel);
    if (!r) throw new RangeError(`channel ${channel} is not a read channel`);
    return r;
  }

  /**
   * A Writable sending on `channel`. With `closeSignalOnEnd` (v5 only), ending it sends the
   * CLOSE signal; servers leave it off (Go clients log an unknown stream 255 otherwise).
   */
  writable(channel: number, opts: { closeSignalOnEnd?: boolean } = {}): Writable {
    return new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, cb) => {
        this.send(channel, chunk).then(
          () => cb(),
          () => cb(),
        );
      },
      final: (cb) => {
        if (opts.closeSignalOnEnd && this.opts.closeSignal && this.isOpen())
          this.ws.send(encodeCloseSignal(channel), () => cb());
        else cb();
      },
    });
  }

  /** Sends `data` on `channel` (split into messages of at most 32 KiB). */
  send(channel: number, data: Buffer): Promise<void> {
    if (!this.isOpen()) return Promise.resolve();
    const binary = this.opts.encoding === 'binary';
    let last: Promise<void> = Promise.resolve();
    let off = 0;
    do {
      const part = data.subarray(off, off + MAX_MESSAGE_PAYLOAD);
      off += part.length;
      const msg = encodeChannelMessage(channel, part, this.opts.encoding);
      last = new Promise((resolve) => this.ws.send(msg, { binary }, () => resolve()));
    } while (off < data.length);
    return last;
  }

  /** Sends a v5 CLOSE signal for `channel`. */
  sendClose(channel: number): void {
    if (this.isOpen()) this.ws.send(encodeCloseSignal(channel));
  }

  /** Closes the WebSocket (after the messages already queued). */
  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
      // A peer that never answers the close frame does not keep the socket.
      setTimeout(() => this.ws.terminate(), 5000).unref();
    }
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.ws.terminate();
  }

  private endChannel(channel: number): void {
    const r = this.readables.get(channel);
    if (!r || this.ended.has(channel)) return;
    this.ended.add(channel);
    if (!r.destroyed) r.push(null);
    if (this.full.delete(channel) && this.full.size === 0 && this.isOpen()) this.ws.resume();
  }

  private isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  private onMessage(message: Buffer): void {
    const m = decodeChannelMessage(message, this.opts.encoding, this.opts.closeSignal);
    if (m.kind === 'empty') return;
    if (m.kind === 'invalid') {
      this.log.debug?.({ reason: m.reason }, 'WebSocket: dropping a malformed message');
      return;
    }
    const r = this.readables.get(m.channel);
    if (!r || this.ended.has(m.channel) || r.destroyed) return;
    if (m.kind === 'close') {
      this.endChannel(m.channel);
      return;
    }
    if (m.data.length > 0 && !r.push(m.data)) {
      this.full.add(m.channel);
      this.ws.pause();
    }
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
