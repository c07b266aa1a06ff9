import { Metadata, type ServiceError, status } from '@grpc/grpc-js';

/**
 * The base of every typed CRI error. `code` is the gRPC status a server answers with and
 * a client received; the message says what was wrong, with which value.
 */
export class CriError extends Error {
  readonly code: status;
  constructor(code: status, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The object does not exist (gRPC NOT_FOUND). */
export class NotFoundError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.NOT_FOUND, message, options);
  }
}
/** A name or ID is already taken (gRPC ALREADY_EXISTS). */
export class AlreadyExistsError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.ALREADY_EXISTS, message, options);
  }
}
/** The request itself is wrong (gRPC INVALID_ARGUMENT). */
export class InvalidArgumentError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.INVALID_ARGUMENT, message, options);
  }
}
/** The object is not in a state that allows the call (gRPC FAILED_PRECONDITION). */
export class FailedPreconditionError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.FAILED_PRECONDITION, message, options);
  }
}
/** The deadline passed before the work finished (gRPC DEADLINE_EXCEEDED). */
export class DeadlineExceededError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.DEADLINE_EXCEEDED, message, options);
  }
}
/** The peer cannot be reached or is not serving (gRPC UNAVAILABLE). */
export class UnavailableError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.UNAVAILABLE, message, options);
  }
}
/** A size or quota limit was hit (gRPC RESOURCE_EXHAUSTED). */
export class ResourceExhaustedError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.RESOURCE_EXHAUSTED, message, options);
  }
}
/** The method is not implemented by this runtime (gRPC UNIMPLEMENTED). */
export class UnimplementedError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.UNIMPLEMENTED, message, options);
  }
}
/** A bug or an unexpected failure inside the runtime (gRPC INTERNAL). */
export class InternalError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.INTERNAL, message, options);
  }
}
/** The call was cancelled by the caller (gRPC CANCELLED). */
export class CancelledError extends CriError {
  constructor(message: string, options?: ErrorOptions) {
    super(status.CANCELLED, message, options);
  }
}

const byCode = new Map<status, new (message: string, options?: ErrorOptions) => CriError>([
  [status.NOT_FOUND, NotFoundError],
  [status.ALREADY_EXISTS, AlreadyExistsError],
  [status.INVALID_ARGUMENT, InvalidArgumentError],
  [status.FAILED_PRECONDITION, FailedPreconditionError],
  [status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [status.UNAVAILABLE, UnavailableError],
  [status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [status.UNIMPLEMENTED, UnimplementedError],
  [status.INTERNAL, InternalError],
  [status.CANCELLED, CancelledError],
]);

/** Builds the typed error for a gRPC status code (a plain CriError for the rest). */
export function criErrorFor(code: status, message: string, options?: ErrorOptions): CriError {
  const Ctor = byCode.get(code);
  return Ctor ? new Ctor(message, options) : new CriError(code, message, options);
}

export const isNotFound = (e: unknown): e is NotFoundError =>
  e instanceof CriError && e.code === status.NOT_FOUND;
export const isAlreadyExists = (e: unknown): e is AlreadyExistsError =>
  e instanceof CriError && e.code === status.ALREADY_EXISTS;
export const isInvalidArgument = (e: unknown): e is InvalidArgumentError =>
  e instanceof CriError && e.code === status.INVALID_ARGUMENT;
export const isFailedPrecondition = (e: unknown): e is FailedPreconditionError =>
  e instanceof CriError && e.code === status.FAILED_PRECONDITION;
export const isUnavailable = (e: unknown): e is UnavailableError =>
  e instanceof CriError && e.code === status.UNAVAILABLE;
export const isDeadlineExceeded = (e: unknown): e is DeadlineExceededError =>
  e instanceof CriError && e.code === status.DEADLINE_EXCEEDED;

/** The one place a thrown value becomes a gRPC status (used by the server). */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: status } {
  if (err instanceof CriError) {
    return { code: err.code, details: err.message, metadata: new Metadata() };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: status.CANCELLED, details: err.message, metadata: new Metadata() };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: status.INTERNAL, details: message, metadata: new Metadata() };
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Turns what grpc-js gave a client into the typed error, naming the method and endpoint. */
export function fromServiceError(err: unknown, method: string, endpoint: string): CriError {
  if (!isServiceError(err)) {
    return new InternalError(`${method} on ${endpoint}: ${String(err)}`, { cause: err });
  }
  return criErrorFor(err.code, `${method} on ${endpoint}: ${err.details || err.message}`, {
    cause: err,
  });
}
