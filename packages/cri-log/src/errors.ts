/**
 * The package's errors. Each carries a `kind` from the containerd-style vocabulary the
 * project's error package will hold (`invalid-argument`, `not-found`, ...), so a caller can
 * branch on `err.kind` or the `is*` helpers without importing a class, and map the kind to
 * a gRPC status in one place. The original error, when there is one, is the `cause`.
 */

/** The error kinds this package raises. */
export type CriLogErrorKind = 'invalid-argument' | 'not-found' | 'failed-precondition' | 'internal';

/** Base class of every error raised by this package. */
export class CriLogError extends Error {
  readonly kind: CriLogErrorKind;

  constructor(kind: CriLogErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** Why a line is not a CRI log line. */
export type MalformedReason =
  | 'no-timestamp'
  | 'bad-timestamp'
  | 'no-stream'
  | 'bad-stream'
  | 'no-tags'
  | 'too-long'
  | 'unterminated';

/**
 * A line that is not `<RFC3339Nano> <stdout|stderr> <tags> <content>`. Thrown by
 * {@link parseCriLogLine}; the readers skip such lines and report them instead.
 */
export class MalformedLogLineError extends CriLogError {
  readonly reason: MalformedReason;
  /** The start of the offending line (at most 200 characters). */
  readonly line: string;

  constructor(reason: MalformedReason, line: string, detail: string) {
    const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    super(
      'invalid-argument',
      `malformed CRI log line (${reason}: ${detail}): ${JSON.stringify(shown)}`,
    );
    this.reason = reason;
    this.line = shown;
  }
}

/** An option or argument out of range (a negative tail, a zero line size, a bad stream). */
export class InvalidLogOptionError extends CriLogError {
  readonly option: string;

  constructor(option: string, value: unknown, expected: string) {
    super('invalid-argument', `${option}: ${String(value)} is not ${expected}`);
    this.option = option;
  }
}

/** The log file to read or rotate does not exist. */
export class LogFileNotFoundError extends CriLogError {
  readonly path: string;

  constructor(path: string, options?: ErrorOptions) {
    super('not-found', `CRI log file ${path} does not exist`, options);
    this.path = path;
  }
}

/**
 * Rotation failed: the file could not be renamed, or the runtime could not reopen its log
 * (the renamed file was then put back, so no output is lost). The cause says why.
 */
export class LogRotationError extends CriLogError {
  readonly path: string;

  constructor(path: string, step: 'rename' | 'reopen', options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'failed-precondition',
      `rotating CRI log ${path} failed at ${step}${step === 'reopen' ? ' (file put back)' : ''}${why}`,
      options,
    );
    this.path = path;
  }
}

/** True when `err` is one of this package's errors of kind `invalid-argument`. */
export function isInvalidArgument(err: unknown): err is CriLogError {
  return err instanceof CriLogError && err.kind === 'invalid-argument';
}

/** True when `err` is one of this package's errors of kind `not-found`. */
export function isNotFound(err: unknown): err is CriLogError {
  return err instanceof CriLogError && err.kind === 'not-found';
}
