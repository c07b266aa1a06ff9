import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogFileNotFoundError } from './errors.js';
import { type CriLogMessage, formatCriLogLines, parseCriLogLine } from './log-line.js';
import type { EpochNanos } from './log-time.js';

/** Options of {@link CriLogFile}. */
export interface CriLogFileOptions {
  /** Mode of a file the writer creates. Default 0640. */
  mode?: number;
}

/**
 * A container's CRI log file as its runtime writes it: opened for append (created with its
 * directory when missing), written line by line with synchronous writes, and reopened
 * after rotation. `reopen()` is what a runtime's ReopenContainerLog does: close the file
 * (renamed away by the rotation) and open `path` again, a new file.
 */
export class CriLogFile {
  readonly path: string;
  readonly #mode: number;
  #fd: number | undefined;

  constructor(path: string, opts: CriLogFileOptions = {}) {
    this.path = path;
    this.#mode = opts.mode ?? 0o640;
    this.#open();
  }

  #open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.#fd = openSync(this.path, 'a', this.#mode);
  }

  /** Appends messages as CRI lines (a closed file ignores them). */
  write(messages: readonly CriLogMessage[]): void {
    if (messages.length === 0) return;
    this.writeEncoded(Buffer.concat(messages.map(formatCriLogLines)));
  }

  /** Appends bytes that are already CRI lines (a {@link CriLogEncoder}'s output). */
  writeEncoded(lines: Buffer): void {
    if (this.#fd === undefined || lines.length === 0) return;
    let at = 0;
    while (at < lines.length) at += writeSync(this.#fd, lines, at);
  }

  /** Closes the file and opens `path` again: a new file when it was renamed away. */
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
 * The time of the last well-formed line of a CRI log file (read from its last 256 KiB), so
 * a runtime restarted under a running container can resume its log without repeating
 * lines. Undefined when the file is empty or holds no such line.
 *
 * @throws LogFileNotFoundError when the file does not exist.
 */
export function lastLogTime(path: string): EpochNanos | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LogFileNotFoundError(path, { cause: err });
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 256 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let end = buf.length;
    while (end > 0) {
      const start = buf.lastIndexOf(0x0a, end - 1) + 1;
      if (start < end && !(start === 0 && len < size)) {
        try {
          return parseCriLogLine(buf.subarray(start, end)).time;
        } catch {}
      }
      end = start - 1;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}
