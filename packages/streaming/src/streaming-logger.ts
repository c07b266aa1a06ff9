/**
 * Where the package reports what happened on its connections. A pino logger fits as it is;
 * the package never writes to the console. Only `warn` is required.
 */
export interface StreamingLogger {
  /** Per-connection detail (protocol negotiated, streams opened, session ended). */
  debug?(fields: Record<string, unknown>, message: string): void;
  /** Notable events (server listening, a session refused). */
  info?(fields: Record<string, unknown>, message: string): void;
  /** Something went wrong with one connection; the server carries on. */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default. */
export const noopLogger: StreamingLogger = { warn: () => {} };
