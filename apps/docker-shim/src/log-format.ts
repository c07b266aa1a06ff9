import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One Docker log message: a frame of the multiplexed logs stream. */
export interface LogMessage {
  stream: 'stdout' | 'stderr';
  /** RFC3339Nano as Docker wrote it (`timestamps=1`). */
  timestamp: string;
  /** The text without its trailing newline. */
  text: string;
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

function parseTimestamped(payload: string, stream: LogMessage['stream']): LogMessage | undefined {
  const sp = payload.indexOf(' ');
  if (sp <= 0) return undefined;
  const timestamp = payload.slice(0, sp);
  let text = payload.slice(sp + 1);
  const partial = !text.endsWith('\n');
  if (!partial) text = text.slice(0, -1);
  return { stream, timestamp, text, partial };
}

/** `<RFC3339Nano> <stream> <P|F> <text>\n`: one CRI log line. */
export function criLogLine(m: LogMessage): string {
  return `${m.timestamp} ${m.stream} ${m.partial ? 'P' : 'F'} ${m.text}\n`;
}

/** An append-only CRI log file that can be reopened after rotation. */
export class CriLogFile {
  #fd: number | undefined;

  constructor(readonly path: string) {
    this.#open();
  }

  #open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.#fd = openSync(this.path, 'a', 0o640);
  }

  write(messages: readonly LogMessage[]): void {
    if (this.#fd === undefined || messages.length === 0) return;
    writeSync(this.#fd, messages.map(criLogLine).join(''));
  }

  /** Closes the file and opens `path` again (a new file when it was renamed away). */
  reopen(): void {
    this.close();
    this.#open();
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/**
 * The `since` to resume a log after a restart: the time of the file's last line plus one
 * nanosecond, as Docker's `sec.nanos` (Docker returns messages at or after `since`).
 * Undefined when the file is missing or has no line.
 */
export function resumeSince(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter(Boolean);
    const last = lines.at(-1);
    if (!last) return undefined;
    const ns = rfc3339ToNs(last.slice(0, last.indexOf(' ')));
    if (ns === undefined) return undefined;
    const next = ns + 1n;
    return `${next / 1_000_000_000n}.${String(next % 1_000_000_000n).padStart(9, '0')}`;
  } finally {
    closeSync(fd);
  }
}

/** RFC3339(Nano) to nanoseconds since the epoch; undefined when unparsable or zero. */
export function rfc3339ToNs(ts: string | undefined): bigint | undefined {
  if (!ts) return undefined;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
