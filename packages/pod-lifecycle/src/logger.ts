/**
 * Where the lifecycle reports what it did. A pino logger fits as it is; the package never
 * writes to the console.
 */
export interface LifecycleLogger {
  /** Notable steps: a sandbox or container started, a pod deleted, a condition changed. */
  info(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and the lifecycle carried on (a sync failed, a pull failed). */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything (tests, or embedders that log elsewhere). */
export const silentLogger: LifecycleLogger = { info: () => {}, warn: () => {} };
