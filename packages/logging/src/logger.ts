import { InvalidArgumentError } from '@capstan/errdefs';
import { pino } from 'pino';
import type { DaemonLogger, LoggerOptions } from './index.js';
import { RotatingFile } from './rotating-file.js';

/** The levels a daemon's `--log-level` takes (pino's, which the kubelet's klog maps onto). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Checks a `--log-level` value; anything else is an InvalidArgumentError naming the choices. */
export function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new InvalidArgumentError(
    `log level ${JSON.stringify(value)} is not one of ${LOG_LEVELS.join(', ')}`,
  );
}

const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;
const DEFAULT_MAX_FILES = 5;

/** The daemon's logger: JSON lines to stdout, or to a size-rotated file from the first line. */
export function createLogger(opts: LoggerOptions): DaemonLogger {
  const level = parseLogLevel(opts.level ?? 'info');
  const base = { app: opts.app };
  if (opts.file === undefined) {
    return {
      logger: pino({ level, base }, pino.destination({ dest: 1, sync: true })),
      destination: 'stdout',
      close: () => {},
    };
  }
  const file = new RotatingFile(opts.file, {
    maxSizeBytes: opts.maxSizeBytes ?? DEFAULT_MAX_SIZE,
    maxFiles: opts.maxFiles ?? DEFAULT_MAX_FILES,
  });
  return { logger: pino({ level, base }, file), destination: opts.file, close: () => file.close() };
}
