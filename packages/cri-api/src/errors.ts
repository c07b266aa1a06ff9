import {
  CapstanError,
  classify,
  type ErrorKind,
  errorOfKind,
  InternalError,
  kindOf,
} from '@capstan/errdefs';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';

/**
 * The one mapping between error kinds and gRPC status codes, both ways (one kind per code,
 * so a status survives a round trip): used by the server to answer, by the client to
 * type what it received. Nothing else in Capstan looks at numeric codes.
 */
const GRPC_BY_KIND: Readonly<Record<ErrorKind, status>> = {
  cancelled: status.CANCELLED,
  unknown: status.UNKNOWN,
  'invalid-argument': status.INVALID_ARGUMENT,
  'deadline-exceeded': status.DEADLINE_EXCEEDED,
  'not-found': status.NOT_FOUND,
  'already-exists': status.ALREADY_EXISTS,
  'permission-denied': status.PERMISSION_DENIED,
  'resource-exhausted': status.RESOURCE_EXHAUSTED,
  'failed-precondition': status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  'out-of-range': status.OUT_OF_RANGE,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
  unavailable: status.UNAVAILABLE,
  'data-loss': status.DATA_LOSS,
  unauthenticated: status.UNAUTHENTICATED,
};
const KIND_BY_GRPC = new Map<status, ErrorKind>(
  Object.entries(GRPC_BY_KIND).map(([kind, code]) => [code, kind as ErrorKind]),
);

/** The gRPC status a server answers with for `kind`. */
export function grpcStatusOf(kind: ErrorKind): status {
  return GRPC_BY_KIND[kind];
}

/** The kind a client gives a gRPC status (`unknown` for a code outside gRPC's set). */
export function kindOfGrpcStatus(code: status): ErrorKind {
  return KIND_BY_GRPC.get(code) ?? 'unknown';
}

/** `not-found` → `NotFound`: the status names gRPC's Go API (and so crictl) prints. */
export function grpcStatusName(kind: ErrorKind): string {
  return (status[grpcStatusOf(kind)] ?? 'UNKNOWN')
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/**
 * The one place a thrown value becomes a gRPC status (used by the server): an error with a
 * kind (any Capstan package's) answers with that kind's status, an AbortError CANCELLED, a
 * system error that says a resource ran out (ENOSPC, EDQUOT, ENOMEM, EMFILE, ...)
 * RESOURCE_EXHAUSTED, anything else INTERNAL. Other errnos stay INTERNAL: an ENOENT deep in
 * a runtime must not read as "the container is not found" to the kubelet.
 */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: status } {
  const message = err instanceof Error ? err.message : String(err);
  const seen = classify(err);
  const kind =
    kindOf(err) ?? (seen === 'cancelled' || seen === 'resource-exhausted' ? seen : 'internal');
  return { code: grpcStatusOf(kind), details: message, metadata: new Metadata() };
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** Turns what grpc-js gave a client into the typed error, naming the method and endpoint. */
export function fromServiceError(err: unknown, method: string, endpoint: string): CapstanError {
  if (err instanceof CapstanError) return err;
  if (!isServiceError(err)) {
    return new InternalError(`${method} on ${endpoint}: ${String(err)}`, { cause: err });
  }
  const message = `${method} on ${endpoint}: ${err.details || err.message}`;
  return errorOfKind(kindOfGrpcStatus(err.code), message, { cause: err });
}
