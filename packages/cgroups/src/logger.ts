/**
 * Where the package reports what it did and what it repaired. A pino logger fits as it is;
 * packages never write to the console. Every method is optional except `warn`.
 */
export interface CgroupLogger {
  /** Routine steps (cgroup created, process moved). */
  debug?(fields: Record<string, unknown>, message: string): void;
  /** Notable state changes (hierarchy created, allocatable enforced). */
  info?(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong but the call carried on (a watcher failed, a retry). */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default. */
export const silentLogger: CgroupLogger = { warn: () => {} };
