import { CapstanError } from '@capstan/errdefs';

/**
 * The fixed set of typed errors this package throws. Every error carries a `kind` of
 * `@capstan/errdefs` (a CRI server maps it to a gRPC status), says what was wrong, with
 * which value and where, and keeps the original error as `cause`.
 */

/** The base class of every error thrown by `@capstan/cgroups`; `kind` says how to treat it. */
export class CgroupError extends CapstanError {}

/** The caller passed a bad value: a negative limit, a malformed cpuset, a name with `..`. */
export class InvalidArgumentError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-argument', message, options);
  }
}

/** The cgroup (or the process) does not exist. */
export class NotFoundError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('not-found', message, options);
  }
}

/** The cgroup already exists. */
export class AlreadyExistsError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('already-exists', message, options);
  }
}

/** The system is not in a state that allows the call (for example, the limit is below usage). */
export class FailedPreconditionError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('failed-precondition', message, options);
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
    super('unavailable', message, options);
  }
}

/** A wait (for a freeze, for processes to exit) ran out of time. */
export class DeadlineExceededError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('deadline-exceeded', message, options);
  }
}

/** The kernel interface the call needs does not exist in this cgroup version. */
export class UnimplementedError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('unimplemented', message, options);
  }
}

/** An unexpected failure: the kernel refused a write for a reason this package does not map. */
export class InternalError extends CgroupError {
  constructor(message: string, options?: ErrorOptions) {
    super('internal', message, options);
  }
}

export {
  isAlreadyExists,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
  isUnavailable,
} from '@capstan/errdefs';

/** The errno code of a Node system error (`ENOENT`...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
