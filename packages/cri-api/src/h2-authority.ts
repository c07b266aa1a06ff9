/// <reference path="./hpack.d.ts" />
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import hpack, { type Compressor, type Decompressor, type HpackHeader } from 'hpack.js';

// Node's HTTP/2 server resets any stream whose `:authority` contains '/', before grpc-js
// sees it. Go CRI clients built on cri-client older than Kubernetes ~1.31 (older kubelets,
// crictl <= 1.30) send the unix socket path there. This layer sits between the socket and
// the HTTP/2 server and re-encodes every client header block with a valid `:authority`.
// Everything else (the preface, DATA, SETTINGS, the whole server->client direction) passes
// through byte for byte.

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER = 9;
const TYPE_HEADERS = 0x1;
const TYPE_CONTINUATION = 0x9;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** Both peers start with a 4096-byte HPACK table and 16 KiB frames (RFC 9113 defaults). */
const DEFAULT_TABLE_SIZE = 4096;
const DEFAULT_MAX_FRAME = 16384;
/** A header block larger than this is a protocol abuse; the connection is dropped. */
const MAX_HEADER_BLOCK = 1 << 20;

/** What replaces an `:authority` that Node's HTTP/2 server would reject. */
export const REWRITTEN_AUTHORITY = 'localhost';

/** True when Node's HTTP/2 server would reset a stream carrying this `:authority`. */
export function isRejectedAuthority(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.includes(' ');
}

/**
 * Rewrites client->server HTTP/2 header blocks. Stateful: one instance per connection,
 * since HPACK keeps a dynamic table per direction.
 */
export class AuthorityRewriter {
  private buffered: Buffer = Buffer.alloc(0);
  private prefaceSeen = false;
  private readonly decoder: Decompressor;
  private readonly encoder: Compressor;
  /** A header block being collected across HEADERS + CONTINUATION frames. */
  private pending: { streamId: number; flags: number; fragments: Buffer[]; size: number } | null =
    null;

  constructor() {
    this.decoder = hpack.decompressor.create({ table: { size: DEFAULT_TABLE_SIZE } });
    this.encoder = hpack.compressor.create({ table: { size: DEFAULT_TABLE_SIZE } });
  }

  /** Feeds client bytes; returns the bytes to hand to the HTTP/2 server. Throws on garbage. */
  push(chunk: Buffer): Buffer {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: Buffer[] = [];
    if (!this.prefaceSeen) {
      if (this.buffered.length < PREFACE.length) {
        if (!PREFACE.subarray(0, this.buffered.length).equals(this.buffered)) {
          return this.passThroughForever();
        }
        return Buffer.alloc(0);
      }
      if (!this.buffered.subarray(0, PREFACE.length).equals(PREFACE)) {
        // Not HTTP/2 prior knowledge: let the server produce its own error.
        return this.passThroughForever();
      }
      out.push(this.buffered.subarray(0, PREFACE.length));
      this.buffered = this.buffered.subarray(PREFACE.length);
      this.prefaceSeen = true;
    }
    if (this.passthrough) {
      out.push(this.buffered);
      this.buffered = Buffer.alloc(0);
      return Buffer.concat(out);
    }
    while (this.buffered.length >= FRAME_HEADER) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < FRAME_HEADER + length) break;
      const frame = this.buffered.subarray(0, FRAME_HEADER + length);
      this.buffered = this.buffered.subarray(FRAME_HEADER + length);
      const type = frame[3]!;
      if (type === TYPE_HEADERS || type === TYPE_CONTINUATION || this.pending) {
        const rewritten = this.onHeaderFrame(frame);
        if (rewritten) out.push(rewritten);
      } else {
        out.push(frame);
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private passthrough = false;

  private passThroughForever(): Buffer {
    this.passthrough = true;
    this.prefaceSeen = true;
    const all = this.buffered;
    this.buffered = Buffer.alloc(0);
    return all;
  }

  private onHeaderFrame(frame: Buffer): Buffer | null {
    const type = frame[3]!;
    const flags = frame[4]!;
    const streamId = frame.readUInt32BE(5) & 0x7fffffff;
    let payload = frame.subarray(FRAME_HEADER);
    if (type === TYPE_HEADERS) {
      if (this.pending) throw new Error('HTTP/2: HEADERS while a header block is open');
      if (flags & FLAG_PADDED) {
        const pad = payload[0] ?? 0;
        if (pad >= payload.length) throw new Error('HTTP/2: bad padding in HEADERS');
        payload = payload.subarray(1, payload.length - pad);
      }
      // Stream dependency and weight are advisory; gRPC servers ignore them.
      if (flags & FLAG_PRIORITY) payload = payload.subarray(5);
      this.pending = { streamId, flags, fragments: [], size: 0 };
    } else if (type !== TYPE_CONTINUATION || !this.pending || this.pending.streamId !== streamId) {
      throw new Error('HTTP/2: frame interleaved inside a header block');
    }
    const block = this.pending!;
    block.fragments.push(payload);
    block.size += payload.length;
    if (block.size > MAX_HEADER_BLOCK) throw new Error('HTTP/2: header block too large');
    if (!(flags & FLAG_END_HEADERS)) return null;
    this.pending = null;
    return this.reencode(block.streamId, block.flags, Buffer.concat(block.fragments));
  }

  private reencode(streamId: number, flags: number, block: Buffer): Buffer {
    this.decoder.write(block);
    this.decoder.execute();
    const headers: HpackHeader[] = [];
    for (let h = this.decoder.read(); h !== null; h = this.decoder.read()) {
      const value =
        h.name === ':authority' && isRejectedAuthority(h.value) ? REWRITTEN_AUTHORITY : h.value;
      headers.push({ name: h.name, value, neverIndex: h.neverIndex ?? false, huffman: true });
    }
    this.encoder.write(headers);
    const encoded = this.encoder.read() ?? Buffer.alloc(0);
    const frames: Buffer[] = [];
    for (let offset = 0, first = true; first || offset < encoded.length; first = false) {
      const part = encoded.subarray(offset, offset + DEFAULT_MAX_FRAME);
      offset += part.length;
      const last = offset >= encoded.length;
      const header = Buffer.alloc(FRAME_HEADER);
      header.writeUIntBE(part.length, 0, 3);
      header[3] = first ? TYPE_HEADERS : TYPE_CONTINUATION;
      header[4] = (first ? flags & FLAG_END_STREAM : 0) | (last ? FLAG_END_HEADERS : 0);
      header.writeUInt32BE(streamId, 5);
      frames.push(header, part);
    }
    return Buffer.concat(frames);
  }
}

/**
 * Wraps an accepted socket so that an HTTP/2 server reading from the result sees client
 * header blocks with a valid `:authority`. Writes go straight to the socket.
 */
export function rewriteAuthority(socket: Socket): Duplex {
  const rewriter = new AuthorityRewriter();
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end(cb);
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    let out: Buffer;
    try {
      out = rewriter.push(chunk);
    } catch (err) {
      duplex.destroy(err as Error);
      return;
    }
    if (out.length > 0 && !duplex.push(out)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
