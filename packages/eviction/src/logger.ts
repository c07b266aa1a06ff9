/**
 * Where the package reports what it did. A pino logger fits as it is; packages never write
 * to the console. Every method is optional except `warn`.
 */
export interface EvictionLogger {
  /** Routine steps (a sync, a notifier re-armed). */
  debug?(fields: Record<string, unknown>, message: string): void;
  /** Notable changes (a condition set or cleared, a pod chosen for eviction). */
  info?(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong and the manager carried on (a callback failed, stats missing). */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default. */
export const silentLogger: EvictionLogger = { warn: () => {} };
