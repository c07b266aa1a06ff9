import type { ErrorKind } from './error-kinds.js';

/**
 * The base of every typed error in Capstan. `kind` is the one field that says how to treat
 * it; the message says what was wrong, with which value and where; `cause` keeps the
 * original error. Packages subclass it (or the kind classes below) for their own errors.
 */
export class CapstanError extends Error {
  /** How a caller should treat the error; a CRI server maps it to a gRPC status once. */
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** The object does not exist. */
export class NotFoundError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('not-found', message, options);
  }
}
/** A name, ID or object is already taken. */
export class AlreadyExistsError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('already-exists', message, options);
  }
}
/** The request itself is wrong, whatever the state of the system. */
export class InvalidArgumentError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-argument', message, options);
  }
}
/** The system is not in a state that allows the call (retrying as is will not help). */
export class FailedPreconditionError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('failed-precondition', message, options);
  }
}
/** The peer or a resource cannot be reached right now (retrying may help). */
export class UnavailableError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', message, options);
  }
}
/** The deadline passed before the work finished. */
export class DeadlineExceededError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('deadline-exceeded', message, options);
  }
}
/** The caller did not prove who it is (missing or bad credentials). */
export class UnauthenticatedError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('unauthenticated', message, options);
  }
}
/** The caller is known but not allowed to do this. */
export class PermissionDeniedError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('permission-denied', message, options);
  }
}
/** A size, count or quota limit was hit (including a full disk). */
export class ResourceExhaustedError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('resource-exhausted', message, options);
  }
}
/** A bug or an unexpected failure. */
export class InternalError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('internal', message, options);
  }
}
/** The operation is not implemented here. */
export class UnimplementedError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('unimplemented', message, options);
  }
}
/** The caller cancelled the operation. */
export class CancelledError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('cancelled', message, options);
  }
}
/** Stored data is lost or corrupt (a torn or tampered file). */
export class DataLossError extends CapstanError {
  constructor(message: string, options?: ErrorOptions) {
    super('data-loss', message, options);
  }
}

type KindClass = new (message: string, options?: ErrorOptions) => CapstanError;

const CLASS_BY_KIND: Partial<Record<ErrorKind, KindClass>> = {
  'not-found': NotFoundError,
  'already-exists': AlreadyExistsError,
  'invalid-argument': InvalidArgumentError,
  'failed-precondition': FailedPreconditionError,
  unavailable: UnavailableError,
  'deadline-exceeded': DeadlineExceededError,
  unauthenticated: UnauthenticatedError,
  'permission-denied': PermissionDeniedError,
  'resource-exhausted': ResourceExhaustedError,
  internal: InternalError,
  unimplemented: UnimplementedError,
  cancelled: CancelledError,
  'data-loss': DataLossError,
};

/** The typed error for `kind` (the class above, or a plain CapstanError for the rest). */
export function errorOfKind(
  kind: ErrorKind,
  message: string,
  options?: ErrorOptions,
): CapstanError {
  const Ctor = CLASS_BY_KIND[kind];
  return Ctor ? new Ctor(message, options) : new CapstanError(kind, message, options);
}
