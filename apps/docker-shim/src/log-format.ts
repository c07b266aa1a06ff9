import { type CriLogMessage, isNotFound, lastLogTime, parseRfc3339Nano } from '@capstan/cri-log';

/**
 * Docker-specific glue between Docker's container logs stream and a CRI log file; the CRI
 * format itself (lines, files, reopen) is @capstan/cri-log's.
 */

/** One Docker log message: a frame of the multiplexed logs stream, as a CRI log message. */
export interface LogMessage extends CriLogMessage {
  stream: 'stdout' | 'stderr';
  /** RFC3339Nano as Docker wrote it (`timestamps=1`). */
  timestamp: string;
  /** The text without its trailing newline. */
  content: string;
  /** No trailing newline: Docker split a long line (16 KiB) and more of it follows. */
  partial: boolean;
}

/**
 * Splits Docker's multiplexed stream (8-byte headers: stream byte, 3 zero bytes, big-endian
 * length) into frames. With `timestamps=1` each frame is exactly one log message prefixed
 * with its time and a space; a message that ends without `\n` is a partial line.
 */
export class FrameParser {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LogMessage[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: LogMessage[] = [];
    let at = 0;
    while (at + 8 <= this.#buf.length) {
      const len = this.#buf.readUInt32BE(at + 4);
      if (at + 8 + len > this.#buf.length) break;
      const kind = this.#buf[at];
      const payload = this.#buf.subarray(at + 8, at + 8 + len).toString('utf8');
      at += 8 + len;
      const msg = parseTimestamped(payload, kind === 2 ? 'stderr' : 'stdout');
      if (msg) out.push(msg);
    }
    this.#buf = this.#buf.subarray(at);
    return out;
  }
}

/** For TTY containers, whose logs stream is not multiplexed: one message per line. */
export class RawLineParser {
  #rest = '';

  push(chunk: Buffer): LogMessage[] {
    const text = this.#rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.#rest = lines.pop() ?? '';
    return lines.flatMap((l) => {
      const m = parseTimestamped(`${l}\n`, 'stdout');
      return m ? [m] : [];
    });
  }
}

/** A message whose time is not RFC3339Nano is dropped: it could not be a CRI line. */
function parseTimestamped(payload: string, stream: LogMessage['stream']): LogMessage | undefined {
  const sp = payload.indexOf(' ');
  if (sp <= 0) return undefined;
  const timestamp = payload.slice(0, sp);
  if (parseRfc3339Nano(timestamp) === undefined) return undefined;
  let content = payload.slice(sp + 1);
  const partial = !content.endsWith('\n');
  if (!partial) content = content.slice(0, -1);
  return { stream, timestamp, content, partial };
}

/**
 * The `since` to resume a log after a restart: the time of the file's last line plus one
 * nanosecond, as Docker's `sec.nanos` (Docker returns messages at or after `since`).
 * Undefined when the file is missing or has no line.
 */
export function resumeSince(path: string): string | undefined {
  let ns: bigint | undefined;
  try {
    ns = lastLogTime(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (ns === undefined || ns <= 0n) return undefined;
  const next = ns + 1n;
  return `${next / 1_000_000_000n}.${String(next % 1_000_000_000n).padStart(9, '0')}`;
}

/** Docker's RFC3339Nano times to nanoseconds; undefined when unparsable or Docker's zero time. */
export function dockerTimeToNs(ts: string | undefined): bigint | undefined {
  const ns = ts ? parseRfc3339Nano(ts) : undefined;
  return ns !== undefined && ns > 0n ? ns : undefined;
}
