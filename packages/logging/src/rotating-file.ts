import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@capstan/errdefs';

export interface RotatingFileOptions {
  /** Rotate before a write would take the file past this size (bytes, >= 1 KiB). */
  maxSizeBytes: number;
  /** Old files kept: `<path>.1` (newest) .. `<path>.<maxFiles>`; 0 keeps none. */
  maxFiles: number;
}

/**
 * A log file that rotates itself by size, as a pino destination (`write(string)`).
 * Writes go straight to the file descriptor (synchronous), so every line is on disk when
 * write returns. If the file is removed or renamed by someone else (logrotate), it keeps
 * writing to the old inode until the next rotation, like any daemon without SIGHUP.
 */
export class RotatingFile {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly opts: RotatingFileOptions,
  ) {
    if (!Number.isSafeInteger(opts.maxSizeBytes) || opts.maxSizeBytes < 1024) {
      throw new InvalidArgumentError(
        `log file ${path}: max size must be an integer of at least 1024 bytes, got ${opts.maxSizeBytes}`,
      );
    }
    if (!Number.isSafeInteger(opts.maxFiles) || opts.maxFiles < 0 || opts.maxFiles > 1000) {
      throw new InvalidArgumentError(
        `log file ${path}: files to keep must be an integer from 0 to 1000, got ${opts.maxFiles}`,
      );
    }
    mkdirSync(dirname(path), { recursive: true });
    this.open();
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.opts.maxSizeBytes) this.rotate();
    if (this.fd === undefined) this.open();
    let buf = Buffer.from(chunk);
    while (buf.length > 0) {
      const n = writeSync(this.fd as number, buf);
      buf = buf.subarray(n);
    }
    this.size += bytes;
    return true;
  }

  /** Closes the file; a later write opens it again. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    const { maxFiles } = this.opts;
    if (maxFiles === 0) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${maxFiles}`, { force: true });
      for (let i = maxFiles - 1; i >= 1; i--)
        renameIfThere(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameIfThere(this.path, `${this.path}.1`);
    }
    this.open();
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
