import { type CapstanError, errorOfKind } from './error-classes.js';
import { type ErrorKind, isErrorKind } from './error-kinds.js';

/**
 * The kind of any thrown value: the `kind` field of a Capstan error (checked by shape, so
 * two copies of a package in one process still agree), or undefined for anything else.
 */
export function kindOf(err: unknown): ErrorKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const kind = (err as { kind?: unknown }).kind;
  return err instanceof Error && isErrorKind(kind) ? kind : undefined;
}

/** True when `err` carries `kind`. */
export function hasKind(err: unknown, kind: ErrorKind): err is CapstanError {
  return kindOf(err) === kind;
}

const check =
  (kind: ErrorKind) =>
  (err: unknown): err is CapstanError =>
    kindOf(err) === kind;

export const isNotFound = check('not-found');
export const isAlreadyExists = check('already-exists');
export const isInvalidArgument = check('invalid-argument');
export const isFailedPrecondition = check('failed-precondition');
export const isUnavailable = check('unavailable');
export const isDeadlineExceeded = check('deadline-exceeded');
export const isUnauthenticated = check('unauthenticated');
export const isPermissionDenied = check('permission-denied');
export const isResourceExhausted = check('resource-exhausted');
export const isInternal = check('internal');
export const isUnimplemented = check('unimplemented');
export const isCancelled = check('cancelled');
export const isDataLoss = check('data-loss');

/** What Node's system errors (`err.code`) mean as kinds; the rest are internal. */
const ERRNO_KINDS: Readonly<Record<string, ErrorKind>> = {
  ENOENT: 'not-found',
  ENOTDIR: 'not-found',
  ESRCH: 'not-found',
  EEXIST: 'already-exists',
  ENOTEMPTY: 'failed-precondition',
  EBUSY: 'failed-precondition',
  EISDIR: 'invalid-argument',
  EINVAL: 'invalid-argument',
  ENAMETOOLONG: 'invalid-argument',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  EROFS: 'permission-denied',
  ENOSPC: 'resource-exhausted',
  EDQUOT: 'resource-exhausted',
  EMFILE: 'resource-exhausted',
  ENFILE: 'resource-exhausted',
  ENOMEM: 'resource-exhausted',
  EFBIG: 'resource-exhausted',
  ETIMEDOUT: 'deadline-exceeded',
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ENOTCONN: 'unavailable',
  EPIPE: 'unavailable',
  EAGAIN: 'unavailable',
  ENOSYS: 'unimplemented',
  ENOTSUP: 'unimplemented',
  EOPNOTSUPP: 'unimplemented',
  ABORT_ERR: 'cancelled',
};

/**
 * The kind of a failure: a Capstan error's own kind, a Node system error's errno mapped
 * (`ENOENT` → not-found, `ENOSPC` → resource-exhausted, ...), an AbortError as
 * cancelled, anything else internal.
 */
export function classify(err: unknown): ErrorKind {
  const own = kindOf(err);
  if (own) return own;
  if (err instanceof Error && err.name === 'AbortError') return 'cancelled';
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && ERRNO_KINDS[code]) || 'internal';
}

/**
 * A new typed error saying `what` failed, of the kind of `err` ({@link classify}), with
 * `err` as its cause: `withContext(e, 'create container "x"')`.
 */
export function withContext(err: unknown, what: string): CapstanError {
  const message = err instanceof Error ? err.message : String(err);
  return errorOfKind(classify(err), `${what}: ${message}`, { cause: err });
}
