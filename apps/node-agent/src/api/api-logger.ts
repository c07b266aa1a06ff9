/**
 * Where the pod API reports what happened. A pino logger fits as it is; the API never
 * writes to the console. Only `warn` is required.
 */
export interface PodApiLogger {
  /** One line per request: method, path, status code, duration. */
  debug?(fields: Record<string, unknown>, message: string): void;
  /** Listening, closing. */
  info?(fields: Record<string, unknown>, message: string): void;
  /** A request failed on the server side, a proxied stream broke. */
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default. */
export const silentLogger: PodApiLogger = { warn: () => {} };
