/**
 * Where the store reports what it cleaned up after crashed processes (leftover temporary
 * files, stale locks). A pino logger fits as it is; packages never write to the console.
 */
export interface CheckpointLogger {
  /** Something was repaired that a crash had left behind. */
  warn(fields: Record<string, unknown>, message: string): void;
}
