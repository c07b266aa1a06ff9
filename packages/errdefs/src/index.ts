/**
 * @capstan/errdefs: the one error vocabulary of Capstan. Every package's errors carry a
 * `kind` from {@link ERROR_KINDS}; callers branch on it with the `is*` checks, never on
 * class identity across packages or on numeric gRPC codes. `@capstan/cri-api` maps kinds
 * to gRPC status codes once, in its server, and back once, in its client.
 *
 * @packageDocumentation
 */

export {
  classify,
  hasKind,
  isAlreadyExists,
  isCancelled,
  isDataLoss,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInternal,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isResourceExhausted,
  isUnauthenticated,
  isUnavailable,
  isUnimplemented,
  kindOf,
  withContext,
} from './error-checks.js';
export {
  AlreadyExistsError,
  CancelledError,
  CapstanError,
  DataLossError,
  DeadlineExceededError,
  errorOfKind,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
} from './error-classes.js';
export { ERROR_KINDS, type ErrorKind, isErrorKind } from './error-kinds.js';
