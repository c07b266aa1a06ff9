/**
 * Every kind of failure Capstan distinguishes: containerd's errdefs vocabulary, one kind
 * per gRPC status code except OK, so a status maps to a kind and back without loss.
 */
export const ERROR_KINDS = [
  'cancelled',
  'unknown',
  'invalid-argument',
  'deadline-exceeded',
  'not-found',
  'already-exists',
  'permission-denied',
  'resource-exhausted',
  'failed-precondition',
  'aborted',
  'out-of-range',
  'unimplemented',
  'internal',
  'unavailable',
  'data-loss',
  'unauthenticated',
] as const;

/** How a caller should treat a failure, independent of which package raised it. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

const KIND_SET: ReadonlySet<string> = new Set(ERROR_KINDS);

/** True when `value` is one of {@link ERROR_KINDS}. */
export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && KIND_SET.has(value);
}
