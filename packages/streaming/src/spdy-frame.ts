import { SpdyProtocolError } from './errors.js';

/**
 * SPDY/3.1 framing (draft 3.1, section 2.2): the eight-byte frame header, every control
 * frame's payload layout, and an incremental decoder that turns a byte stream into frames.
 * Header blocks stay compressed here; spdy-header-block.ts owns zlib.
 *
 * ```
 * control: |1| version(15) | type(16) | flags(8) | length(24) | payload
 * data:    |0| stream-id(31)          | flags(8) | length(24) | data
 * ```
 */

export const SPDY_VERSION = 3;

/** Control frame types. CREDENTIAL (10) and the SPDY/2 NOOP (5) are ignored if received. */
export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** SETTINGS IDs this implementation acts on (others are accepted and ignored). */
export const SettingId = { MAX_CONCURRENT_STREAMS: 4, INITIAL_WINDOW_SIZE: 7 } as const;

/** Largest payload a frame's 24-bit length can describe. */
export const MAX_FRAME_PAYLOAD = 0xffffff;
/** Largest legal window size and delta (2^31 - 1). */
export const MAX_WINDOW = 0x7fffffff;
/** The initial flow control window of every stream and of the session. */
export const DEFAULT_WINDOW = 65536;

export interface SettingEntry {
  id: number;
  flags: number;
  value: number;
}

/** A decoded frame; header blocks are still zlib-compressed. */
export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'syn_stream';
      streamId: number;
      associatedId: number;
      priority: number;
      fin: boolean;
      unidirectional: boolean;
      headerBlock: Buffer;
    }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: SettingEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'ignored'; frameType: number };

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  out.writeUInt16BE(type, 2);
  out.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  payload.copy(out, 8);
  return out;
}

function u31(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_WINDOW) {
    throw new RangeError(`${what} ${n} is not a 31-bit unsigned integer`);
  }
  return n;
}

/** A DATA frame (the caller keeps `data` within {@link MAX_FRAME_PAYLOAD}). */
export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer {
  if (data.length > MAX_FRAME_PAYLOAD) throw new RangeError(`DATA of ${data.length} bytes`);
  const out = Buffer.allocUnsafe(8 + data.length);
  out.writeUInt32BE(u31(streamId, 'stream id'), 0);
  out.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  data.copy(out, 8);
  return out;
}

export function encodeSynStream(
  streamId: number,
  headerBlock: Buffer,
  opts: { fin?: boolean; unidirectional?: boolean; associatedId?: number; priority?: number } = {},
): Buffer {
  const payload = Buffer.allocUnsafe(10 + headerBlock.length);
  payload.writeUInt32BE(u31(streamId, 'stream id'), 0);
  payload.writeUInt32BE(u31(opts.associatedId ?? 0, 'associated stream id'), 4);
  payload[8] = ((opts.priority ?? 0) & 0x7) << 5;
  payload[9] = 0; // slot (CREDENTIAL), unused
  headerBlock.copy(payload, 10);
  const flags = (opts.fin ? FLAG_FIN : 0) | (opts.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
  return controlFrame(FrameType.SYN_STREAM, flags, payload);
}

function streamHeaderFrame(type: number, streamId: number, headerBlock: Buffer, fin: boolean) {
  const payload = Buffer.allocUnsafe(4 + headerBlock.length);
  payload.writeUInt32BE(u31(streamId, 'stream id'), 0);
  headerBlock.copy(payload, 4);
  return controlFrame(type, fin ? FLAG_FIN : 0, payload);
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  return streamHeaderFrame(FrameType.SYN_REPLY, streamId, headerBlock, fin);
}

export function encodeHeaders(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  return streamHeaderFrame(FrameType.HEADERS, streamId, headerBlock, fin);
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(u31(streamId, 'stream id'), 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FrameType.RST_STREAM, 0, payload);
}

export function encodeSettings(entries: readonly SettingEntry[], clear = false): Buffer {
  const payload = Buffer.allocUnsafe(4 + entries.length * 8);
  payload.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    payload.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
    payload.writeUInt32BE(e.value >>> 0, 8 + i * 8);
  });
  return controlFrame(FrameType.SETTINGS, clear ? FLAG_SETTINGS_CLEAR : 0, payload);
}

export function encodePing(id: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(id >>> 0, 0);
  return controlFrame(FrameType.PING, 0, payload);
}

export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(u31(lastGoodStreamId, 'last good stream id'), 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FrameType.GOAWAY, 0, payload);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(u31(streamId, 'stream id'), 0);
  payload.writeUInt32BE(u31(delta, 'window delta'), 4);
  return controlFrame(FrameType.WINDOW_UPDATE, 0, payload);
}

/** Limits of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest control frame payload accepted (default 1 MiB: header blocks are small). */
  maxControlPayload?: number;
}

const sessionError = (msg: string) => new SpdyProtocolError(msg, GoAwayStatus.PROTOCOL_ERROR);

/**
 * Splits a byte stream into frames. `push()` returns every frame completed by the chunk;
 * a malformed frame throws {@link SpdyProtocolError} (a session error: the caller sends
 * GOAWAY and closes), after which the decoder must not be used again.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxControl: number;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxControl = opts.maxControlPayload ?? 1 << 20;
  }

  /** Bytes held for a frame not yet complete. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): SpdyFrame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: SpdyFrame[] = [];
    while (this.buffered >= 8) {
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      const isControl = (head[0]! & 0x80) !== 0;
      if (isControl && length > this.maxControl) {
        throw new SpdyProtocolError(
          `control frame of ${length} bytes exceeds the ${this.maxControl}-byte limit`,
          GoAwayStatus.PROTOCOL_ERROR,
        );
      }
      if (this.buffered < 8 + length) break;
      const frame = this.take(8 + length);
      frames.push(decodeFrame(frame));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let need = n;
      while (need > 0) {
        const c = this.chunks[0]!;
        if (c.length <= need) {
          parts.push(c);
          this.chunks.shift();
          need -= c.length;
        } else {
          parts.push(c.subarray(0, need));
          this.chunks[0] = c.subarray(need);
          need = 0;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.buffered -= n;
    return out;
  }
}

/** Decodes one complete frame (header included). Throws {@link SpdyProtocolError}. */
export function decodeFrame(buf: Buffer): SpdyFrame {
  const flags = buf[4]!;
  const payload = buf.subarray(8);
  if ((buf[0]! & 0x80) === 0) {
    const streamId = buf.readUInt32BE(0) & MAX_WINDOW;
    if (streamId === 0) throw sessionError('DATA frame on stream 0');
    return { type: 'data', streamId, fin: (flags & FLAG_FIN) !== 0, data: payload };
  }
  const version = buf.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) {
    throw new SpdyProtocolError(
      `control frame of SPDY version ${version}, expected ${SPDY_VERSION}`,
      GoAwayStatus.PROTOCOL_ERROR,
    );
  }
  const type = buf.readUInt16BE(2);
  const need = (n: number, exact: boolean) => {
    if (exact ? payload.length !== n : payload.length < n) {
      throw sessionError(
        `control frame type ${type} with a ${payload.length}-byte payload (${exact ? '' : 'at least '}${n} expected)`,
      );
    }
  };
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case FrameType.SYN_STREAM: {
      need(10, false);
      const streamId = payload.readUInt32BE(0) & MAX_WINDOW;
      if (streamId === 0) throw sessionError('SYN_STREAM for stream 0');
      return {
        type: 'syn_stream',
        streamId,
        associatedId: payload.readUInt32BE(4) & MAX_WINDOW,
        priority: payload[8]! >> 5,
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: payload.subarray(10),
      };
    }
    case FrameType.SYN_REPLY:
    case FrameType.HEADERS: {
      need(4, false);
      const streamId = payload.readUInt32BE(0) & MAX_WINDOW;
      if (streamId === 0) throw sessionError(`control frame type ${type} for stream 0`);
      const kind = type === FrameType.SYN_REPLY ? 'syn_reply' : 'headers';
      return { type: kind, streamId, fin, headerBlock: payload.subarray(4) };
    }
    case FrameType.RST_STREAM: {
      need(8, true);
      const streamId = payload.readUInt32BE(0) & MAX_WINDOW;
      const status = payload.readUInt32BE(4);
      if (streamId === 0) throw sessionError('RST_STREAM for stream 0');
      if (status === 0) throw sessionError(`RST_STREAM of stream ${streamId} with status 0`);
      return { type: 'rst_stream', streamId, status };
    }
    case FrameType.SETTINGS: {
      need(4, false);
      const count = payload.readUInt32BE(0);
      if (payload.length !== 4 + count * 8) {
        throw sessionError(`SETTINGS of ${count} entries in ${payload.length} bytes`);
      }
      const entries: SettingEntry[] = [];
      for (let i = 0; i < count; i++) {
        const word = payload.readUInt32BE(4 + i * 8);
        entries.push({
          flags: word >>> 24,
          id: word & 0xffffff,
          value: payload.readUInt32BE(8 + i * 8),
        });
      }
      return { type: 'settings', clear: (flags & FLAG_SETTINGS_CLEAR) !== 0, entries };
    }
    case FrameType.PING:
      need(4, true);
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case FrameType.GOAWAY:
      need(8, true);
      return {
        type: 'goaway',
        lastGoodStreamId: payload.readUInt32BE(0) & MAX_WINDOW,
        status: payload.readUInt32BE(4),
      };
    case FrameType.WINDOW_UPDATE:
      need(8, true);
      return {
        type: 'window_update',
        streamId: payload.readUInt32BE(0) & MAX_WINDOW,
        delta: payload.readUInt32BE(4) & MAX_WINDOW,
      };
    default:
      // Unknown control frames must be ignored (draft 3.1, 2.2.1).
      return { type: 'ignored', frameType: type };
  }
}
