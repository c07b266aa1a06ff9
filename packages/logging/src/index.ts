/**
 * @capstan/logging: how every Capstan daemon logs. pino JSON lines (one object per line,
 * `level`, `time`, `msg`, the daemon's `app`), to stdout or, with a file, to that file
 * from the first line, rotated by size (`<file>.1` is the newest old one) so a long-running
 * node never fills its disk with logs. Writes are synchronous: nothing is lost when the
 * process exits or is killed right after a line.
 */
import type { Logger } from 'pino';

export type { Logger } from 'pino';
export { createLogger, LOG_LEVELS, type LogLevel, parseLogLevel } from './logger.js';
export { RotatingFile, type RotatingFileOptions } from './rotating-file.js';

/** What {@link createLogger} takes. */
export interface LoggerOptions {
  /** The daemon's name, in every line as `app`. */
  app: string;
  /** Default `info`. */
  level?: string;
  /** Log to this file (created with its directory) instead of stdout. */
  file?: string;
  /** Rotate the file once it would grow past this many bytes (default 10 MiB). */
  maxSizeBytes?: number;
  /** Old files kept beside the live one (default 5). */
  maxFiles?: number;
}

/** A logger and what to do with its file at exit. */
export interface DaemonLogger {
  logger: Logger;
  /** Where the lines go: the file's path, or `stdout`. */
  destination: string;
  /** Flushes and closes the file (no-op for stdout). */
  close(): void;
}
