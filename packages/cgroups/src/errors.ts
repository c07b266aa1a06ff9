/**
 * The fixed set of typed errors this package throws. Every error carries a stable `code`
 * (the gRPC status name a server would map it to), says what was wrong, with which value
 * and where, and keeps the original error as `cause`.
 */

/** Stable error codes, named after the gRPC status a server maps them to. */
export type CgroupErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/** The base class of every error thrown by `@capstan/cgroups`. */
export class CgroupError extends Error {
  /** The stable code of this error class. */
  readonly code: CgroupErrorCode;
  constructor(code: CgroupErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The caller passed a bad value: a negative limit, a malformed cpuset, a name with `..`. */
export class InvalidArgumentError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** The cgroup (or the process) does not exist. */
export class NotFoundError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** The cgroup already exists. */
export class AlreadyExistsError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('ALREADY_EXISTS', message, options);
  }
}

/** The system is not in a state that allows the call (for example, the limit is below usage). */
export class FailedPreconditionError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('FAILED_PRECONDITION', message, options);
  }
}

/** A controller the call needs is not mounted (v1) or not available to the cgroup (v2). */
export class ControllerMissingError extends FailedPreconditionError {
  /** The missing controller, as the kernel names it (`memory`, `hugetlb`, `io`...). */
  readonly controller: string;
  constructor(controller: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.controller = controller;
  }
}

/** The cgroup still has processes (or they did not exit in time), so it cannot be removed. */
export class CgroupPopulatedError extends FailedPreconditionError {
  /** The cgroup path that is still populated. */
  readonly path: string;
  /** The processes still in the cgroup or its descendants when the wait ended. */
  readonly pids: readonly number[];
  constructor(path: string, pids: readonly number[], message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
    this.pids = pids;
  }
}

/** cgroups are not usable here: no cgroup filesystem is mounted, or it cannot be read. */
export class UnavailableError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNAVAILABLE', message, options);
  }
}

/** A wait (for a freeze, for processes to exit) ran out of time. */
export class DeadlineExceededError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('DEADLINE_EXCEEDED', message, options);
  }
}

/** The kernel interface the call needs does not exist in this cgroup version. */
export class UnimplementedError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNIMPLEMENTED', message, options);
  }
}

/** An unexpected failure: the kernel refused a write for a reason this package does not map. */
export class InternalError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('INTERNAL', message, options);
  }
}

/** True when `err` is an {@link InvalidArgumentError}. */
export const isInvalidArgument = (err: unknown): err is InvalidArgumentError =>
  err instanceof InvalidArgumentError;
/** True when `err` is a {@link NotFoundError}. */
export const isNotFound = (err: unknown): err is NotFoundError => err instanceof NotFoundError;
/** True when `err` is an {@link AlreadyExistsError}. */
export const isAlreadyExists = (err: unknown): err is AlreadyExistsError =>
  err instanceof AlreadyExistsError;
/** True when `err` is a {@link FailedPreconditionError} (including its subclasses). */
export const isFailedPrecondition = (err: unknown): err is FailedPreconditionError =>
  err instanceof FailedPreconditionError;
/** True when `err` is an {@link UnavailableError}. */
export const isUnavailable = (err: unknown): err is UnavailableError =>
  err instanceof UnavailableError;
/** True when `err` is a {@link DeadlineExceededError}. */
export const isDeadlineExceeded = (err: unknown): err is DeadlineExceededError =>
  err instanceof DeadlineExceededError;

/** The errno code of a Node system error (`ENOENT`...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
