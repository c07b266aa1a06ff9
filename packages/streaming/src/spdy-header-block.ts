import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SpdyProtocolError } from './errors.js';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';
import { GoAwayStatus } from './spdy-frame.js';

/**
 * SPDY/3 name/value header blocks (draft 3.1, 2.6.10): a 32-bit pair count, then per pair a
 * 32-bit length and the name, a 32-bit length and the value (several values joined by NUL).
 * Names are lowercase on the wire; Kubernetes' `streamType` travels as `streamtype`.
 * Compression is one zlib stream per direction for the whole session, primed with
 * {@link SPDY_DICTIONARY} and sync-flushed after each block, so blocks must be compressed and
 * decompressed in frame order: both classes serialize their calls.
 */

/** Headers as sent: a value array becomes NUL-joined values. */
export type OutgoingHeaders = Readonly<Record<string, string | readonly string[]>>;
/** Headers as received: lowercase names, every value split on NUL. */
export type IncomingHeaders = Readonly<Record<string, readonly string[]>>;

/** Largest decompressed header block accepted (a zlib bomb closes the session). */
export const MAX_HEADER_BLOCK = 64 * 1024;

/** The raw (uncompressed) header block of `headers`; names are lowercased. */
export function encodeHeaderBlock(headers: OutgoingHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(typeof value === 'string' ? value : value.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

/** Parses a raw header block. Throws {@link SpdyProtocolError} when it is malformed. */
export function decodeHeaderBlock(raw: Buffer): IncomingHeaders {
  const bad = (why: string) =>
    new SpdyProtocolError(`malformed header block: ${why}`, GoAwayStatus.PROTOCOL_ERROR);
  if (raw.length < 4) throw bad(`${raw.length} bytes`);
  const count = raw.readUInt32BE(0);
  if (count > raw.length / 8) throw bad(`${count} pairs in ${raw.length} bytes`);
  const out: Record<string, string[]> = Object.create(null);
  let at = 4;
  const field = (what: string): Buffer => {
    if (at + 4 > raw.length) throw bad(`truncated ${what} length`);
    const len = raw.readUInt32BE(at);
    at += 4;
    if (at + len > raw.length) throw bad(`${what} of ${len} bytes overruns the block`);
    const b = raw.subarray(at, at + len);
    at += len;
    return b;
  };
  for (let i = 0; i < count; i++) {
    const name = field('name').toString('utf8').toLowerCase();
    if (name.length === 0) throw bad('empty header name');
    if (name in out) throw bad(`duplicate header ${JSON.stringify(name)}`);
    out[name] = field('value').toString('utf8').split('\0');
  }
  if (at !== raw.length) throw bad(`${raw.length - at} trailing bytes`);
  return out;
}

/** The first value of header `name` (case-insensitive), or undefined. */
export function headerValue(headers: IncomingHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

/** Runs zlib work one call at a time and collects each call's output. */
abstract class ZlibSerial {
  protected abstract readonly z: Deflate | Inflate;
  private tail: Promise<unknown> = Promise.resolve();
  private sink: Buffer[] | undefined;
  private sinkBytes = 0;
  private failed: Error | undefined;

  protected wire(z: Deflate | Inflate): void {
    z.on('data', (chunk: Buffer) => {
      this.sink?.push(chunk);
      this.sinkBytes += chunk.length;
    });
    z.on('error', (err: Error) => {
      this.failed = err;
    });
  }

  protected run(input: Buffer, limit: number): Promise<Buffer> {
    const job = () =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.failed) return reject(this.failed);
        this.sink = [];
        this.sinkBytes = 0;
        const onError = (err: Error) => reject(err);
        this.z.once('error', onError);
        this.z.write(input, () => {
          this.z.off('error', onError);
          const out = this.sink ?? [];
          this.sink = undefined;
          if (this.failed) return reject(this.failed);
          if (this.sinkBytes > limit) {
            this.failed = new Error(`header block inflates past ${limit} bytes`);
            return reject(this.failed);
          }
          resolve(Buffer.concat(out));
        });
      });
    const p = this.tail.then(job, job);
    this.tail = p.catch(() => {});
    return p;
  }

  /** Frees zlib's memory. */
  close(): void {
    this.z.close();
  }
}

/** Compresses this side's header blocks (one zlib stream for the session). */
export class HeaderCompressor extends ZlibSerial {
  protected readonly z: Deflate;
  constructor() {
    super();
    this.z = createDeflate({ dictionary: SPDY_DICTIONARY, flush: constants.Z_SYNC_FLUSH });
    this.wire(this.z);
  }
  /** The compressed block of `headers`, in call order. */
  compress(headers: OutgoingHeaders): Promise<Buffer> {
    return this.run(encodeHeaderBlock(headers), Number.POSITIVE_INFINITY);
  }
}

/** Decompresses the peer's header blocks; a corrupt block fails this and every later call. */
export class HeaderDecompressor extends ZlibSerial {
  protected readonly z: Inflate;
  constructor(private readonly limit = MAX_HEADER_BLOCK) {
    super();
    this.z = createInflate({ dictionary: SPDY_DICTIONARY, flush: constants.Z_SYNC_FLUSH });
    this.wire(this.z);
  }
  /** The headers of one compressed block. Throws {@link SpdyProtocolError}. */
  async decompress(block: Buffer): Promise<IncomingHeaders> {
    let raw: Buffer;
    try {
      raw = await this.run(block, this.limit);
    } catch (err) {
      throw new SpdyProtocolError(
        `header block does not decompress: ${(err as Error).message}`,
        GoAwayStatus.PROTOCOL_ERROR,
        0,
        { cause: err },
      );
    }
    return decodeHeaderBlock(raw);
  }
}
