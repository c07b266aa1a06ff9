import { InvalidLogOptionError, MalformedLogLineError } from './errors.js';
import { type CriLogRecord, type CriLogStream, parseCriLogLine } from './log-line.js';
import type { EpochNanos } from './log-time.js';

/**
 * One logical log line: the `P` pieces of one stream joined up to their `F` piece.
 */
export interface CriLogEntry {
  /** The timestamp of the line's first piece, as written. */
  timestamp: string;
  /** The same in nanoseconds since the epoch. */
  time: EpochNanos;
  stream: CriLogStream;
  /** The text, without the newline that ended it. */
  content: string;
  /**
   * False for pieces without their end: flushed when a file ends on a partial line (the
   * writer stopped mid-line), or cut because the line outgrew `maxEntryBytes`.
   */
  complete: boolean;
}

/** Options of {@link CriLogDecoder}. */
export interface CriLogDecoderOptions {
  /**
   * A raw line longer than this (bytes, header included) is skipped as `too-long` and the
   * decoder resynchronises at the next newline. Default 8 MiB.
   */
  maxLineBytes?: number;
  /**
   * A logical line whose joined pieces outgrow this (bytes) is handed out in pieces of
   * about this size with `complete: false`. Default 8 MiB.
   */
  maxEntryBytes?: number;
  /** Called for every line that is skipped; the default skips silently. */
  onMalformed?: (err: MalformedLogLineError) => void;
}

const MIB = 1024 * 1024;

interface Pending {
  timestamp: string;
  time: EpochNanos;
  parts: Buffer[];
  bytes: number;
}

/** Checks a size option: a whole number of bytes in [min, 1 GiB]. */
export function checkSize(option: string, value: number | undefined, fallback: number, min = 1) {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > 1024 * MIB)
    throw new InvalidLogOptionError(option, value, `a whole number of bytes from ${min} to 1 GiB`);
  return value;
}

/**
 * Decodes CRI log bytes as they are read, in chunks of any size. Lines are split on the
 * newline byte, so a chunk may end anywhere (inside a line, inside a UTF-8 character).
 * Partial lines are joined with ONE BUFFER PER STREAM: a `P` piece on stdout waits for
 * the next stdout line and is never glued to a stderr line in between.
 *
 * Malformed lines (see {@link parseCriLogLine}) are skipped and reported to `onMalformed`,
 * as the kubelet skips and logs them: one bad line never hides the rest of a log.
 */
export class CriLogDecoder {
  readonly #maxLine: number;
  readonly #maxEntry: number;
  readonly #onMalformed: (err: MalformedLogLineError) => void;
  readonly #pending = new Map<CriLogStream, Pending>();
  #rest: Buffer[] = [];
  #restBytes = 0;
  /** Inside a line that was too long: drop bytes up to the next newline. */
  #skipping = false;
  #skipped = 0;

  constructor(opts: CriLogDecoderOptions = {}) {
    this.#maxLine = checkSize('maxLineBytes', opts.maxLineBytes, 8 * MIB, 64);
    this.#maxEntry = checkSize('maxEntryBytes', opts.maxEntryBytes, 8 * MIB);
    this.#onMalformed = opts.onMalformed ?? (() => {});
  }

  /** How many lines were skipped as malformed so far. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Decodes a chunk; returns the logical lines it completed, in file order. */
  push(chunk: Buffer): CriLogEntry[] {
    const out: CriLogEntry[] = [];
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl;
      if (this.#skipping) {
        if (nl >= 0) this.#skipping = false;
      } else if (this.#restBytes + (end - at) > this.#maxLine) {
        const head = Buffer.concat([...this.#rest, chunk.subarray(at, Math.min(end, at + 200))]);
        this.#clearRest();
        this.#malformed(
          new MalformedLogLineError(
            'too-long',
            head.toString('utf8'),
            `over ${this.#maxLine} bytes`,
          ),
        );
        this.#skipping = nl < 0;
      } else if (nl < 0) {
        this.#rest.push(chunk.subarray(at));
        this.#restBytes += chunk.length - at;
      } else {
        const line =
          this.#restBytes === 0
            ? chunk.subarray(at, nl)
            : Buffer.concat([...this.#rest, chunk.subarray(at, nl)]);
        this.#clearRest();
        this.#line(line, out);
      }
      at = end + 1;
    }
    return out;
  }

  /**
   * The end of one file: bytes after its last newline are an unfinished line that will never
   * be finished in this file (the file was rotated or truncated). They are dropped and
   * reported as `unterminated`. Partial lines stay pending: their end may be in the next file.
   */
  endOfFile(): void {
    if (this.#restBytes > 0) {
      const head = Buffer.concat(this.#rest).subarray(0, 240).toString('utf8');
      this.#malformed(new MalformedLogLineError('unterminated', head, 'no newline at end of file'));
    }
    this.#clearRest();
    this.#skipping = false;
  }

  /**
   * The end of reading: every stream's pending partial line as an entry with
   * `complete: false`, stdout first. Bytes after the last newline are not a line yet and are
   * left out (a writer is still writing it), as the kubelet leaves them.
   */
  flush(): CriLogEntry[] {
    const out: CriLogEntry[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = this.#pending.get(stream);
      if (p) out.push(entry(stream, p, false));
    }
    this.#pending.clear();
    return out;
  }

  #line(line: Buffer, out: CriLogEntry[]): void {
    let r: CriLogRecord;
    try {
      r = parseCriLogLine(line);
    } catch (err) {
      if (!(err instanceof MalformedLogLineError)) throw err;
      this.#malformed(err);
      return;
    }
    let p = this.#pending.get(r.stream);
    if (!r.partial && !p) {
      const { timestamp, time, stream } = r;
      out.push({ timestamp, time, stream, content: r.content.toString('utf8'), complete: true });
      return;
    }
    if (!p) {
      p = { timestamp: r.timestamp, time: r.time, parts: [], bytes: 0 };
      this.#pending.set(r.stream, p);
    }
    // Copy: the piece may be a view of a read buffer the caller reuses.
    p.parts.push(Buffer.from(r.content));
    p.bytes += r.content.length;
    if (!r.partial) {
      this.#pending.delete(r.stream);
      out.push(entry(r.stream, p, true));
    } else if (p.bytes >= this.#maxEntry) {
      this.#pending.delete(r.stream);
      out.push(entry(r.stream, p, false));
    }
  }

  #malformed(err: MalformedLogLineError): void {
    this.#skipped++;
    this.#onMalformed(err);
  }

  #clearRest(): void {
    this.#rest = [];
    this.#restBytes = 0;
  }
}

function entry(stream: CriLogStream, p: Pending, complete: boolean): CriLogEntry {
  const content = (p.parts.length === 1 ? p.parts[0]! : Buffer.concat(p.parts)).toString('utf8');
  return { timestamp: p.timestamp, time: p.time, stream, content, complete };
}
