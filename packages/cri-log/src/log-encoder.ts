import { checkSize } from './log-decoder.js';
import { type CriLogStream, formatCriLogLines } from './log-line.js';
import { type EpochNanos, monotonicWallClock } from './log-time.js';

/** Options of {@link CriLogEncoder}. */
export interface CriLogEncoderOptions {
  /**
   * Content bytes per line: a longer line is written as `P` pieces of at most this size
   * (cut back to a UTF-8 character boundary), then its `F` piece. Default 16 KiB, the
   * kubelet's and containerd's `max_container_log_line_size`.
   */
  maxLineBytes?: number;
  /** The time stamped on each line, in nanoseconds. Default: the wall clock, never repeating. */
  clock?: () => EpochNanos;
}

/**
 * The writer side for a runtime that owns a container's stdout and stderr pipes (as
 * containerd's CRI plugin does): bytes of each stream in, CRI log lines out. Every `\n`
 * ends an `F` line; a line growing past `maxLineBytes` goes out as `P` pieces; bytes after
 * the last newline wait for more of the same stream (ONE BUFFER PER STREAM), so output of
 * the other stream never lands in the middle of a line.
 */
export class CriLogEncoder {
  readonly #max: number;
  readonly #clock: () => EpochNanos;
  readonly #held = new Map<CriLogStream, Buffer>();

  constructor(opts: CriLogEncoderOptions = {}) {
    this.#max = checkSize('maxLineBytes', opts.maxLineBytes, 16 * 1024);
    this.#clock = opts.clock ?? monotonicWallClock();
  }

  /** Encodes a chunk read from `stream`; returns the lines to append (maybe none yet). */
  push(stream: CriLogStream, chunk: Buffer | string): Buffer {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const held = this.#held.get(stream);
    let data = held ? Buffer.concat([held, bytes]) : bytes;
    const out: Buffer[] = [];
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl >= 0 && nl <= this.#max) {
        out.push(this.#line(stream, data.subarray(0, nl), false));
        data = data.subarray(nl + 1);
      } else if (data.length > this.#max) {
        const cut = utf8Cut(data, this.#max);
        out.push(this.#line(stream, data.subarray(0, cut), true));
        data = data.subarray(cut);
      } else break;
    }
    if (data.length > 0) this.#held.set(stream, Buffer.from(data));
    else this.#held.delete(stream);
    return Buffer.concat(out);
  }

  /**
   * The stream ended (its pipe closed): what it wrote after its last newline, as a `P`
   * line, as containerd writes it. Both streams when none is named.
   */
  end(stream?: CriLogStream): Buffer {
    const out: Buffer[] = [];
    for (const s of stream ? [stream] : (['stdout', 'stderr'] as const)) {
      const held = this.#held.get(s);
      if (held) out.push(this.#line(s, held, true));
      this.#held.delete(s);
    }
    return Buffer.concat(out);
  }

  #line(stream: CriLogStream, content: Buffer, partial: boolean): Buffer {
    return formatCriLogLines({ timestamp: this.#clock(), stream, content, partial });
  }
}

/** The largest cut <= max that does not split a UTF-8 character (max itself if none). */
function utf8Cut(buf: Buffer, max: number): number {
  let cut = max;
  // Back over continuation bytes (10xxxxxx) to the start of the character at `max`.
  while (cut > 0 && cut > max - 4 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut > 0 && ((buf[cut] ?? 0) & 0xc0) !== 0x80 ? cut : max;
}
