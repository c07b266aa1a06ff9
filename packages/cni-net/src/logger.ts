/**
 * Where the driver reports what it did and what it could not do. A pino logger fits as it
 * is; packages never write to the console.
 */
export interface CniLogger {
  /** Each plugin call: plugin, command, container, duration. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** Something failed and was worked around (a rollback DEL that failed, a skipped file). */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: CniLogger = {
  debug() {},
  warn() {},
};
