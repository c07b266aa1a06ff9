/**
 * Where the package reports what it skipped or repaired (malformed lines, a rotated file's
 * unfinished last line). A pino logger fits as it is; packages never write to the console.
 */
export interface CriLogLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}
