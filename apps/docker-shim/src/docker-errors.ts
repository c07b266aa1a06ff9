import {
  AlreadyExistsError,
  CapstanError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@capstan/cri-api';

/** What docker-modem attaches to an Engine API error. */
interface ModemError {
  statusCode?: number;
  json?: { message?: string } | null;
  code?: string;
  message?: string;
}

/** The HTTP status of a Docker Engine API error, if it is one. */
export function dockerStatus(err: unknown): number | undefined {
  const s = (err as ModemError | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** True for the Engine's 404 (no such container / image / exec). */
export const isDockerNotFound = (err: unknown): boolean => dockerStatus(err) === 404;

/** The Engine's own message (`json.message`), or the error's. */
export function dockerMessage(err: unknown): string {
  const e = err as ModemError | null;
  const json = e?.json?.message;
  if (typeof json === 'string' && json.length > 0) return json.trim();
  return (e?.message ?? String(err)).trim();
}

/**
 * Turns a Docker Engine API failure into the typed CRI error the server maps to a gRPC
 * status: 400 INVALID_ARGUMENT, 404 NOT_FOUND, 409 ALREADY_EXISTS or FAILED_PRECONDITION,
 * 5xx INTERNAL, a refused or broken socket UNAVAILABLE. `what` says which operation on
 * which object. CRI errors pass through unchanged.
 */
export function fromDocker(err: unknown, what: string): CapstanError {
  if (err instanceof CapstanError) return err;
  const status = dockerStatus(err);
  const msg = `${what}: ${dockerMessage(err)}`;
  const options = { cause: err };
  if (status === 400) return new InvalidArgumentError(msg, options);
  if (status === 404) return new NotFoundError(msg, options);
  if (status === 409) {
    return /already in use|already exists/i.test(msg)
      ? new AlreadyExistsError(msg, options)
      : new FailedPreconditionError(msg, options);
  }
  if (status === 304) return new FailedPreconditionError(msg, options);
  const code = (err as ModemError | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new UnavailableError(`${what}: the Docker daemon is not reachable (${code})`, options);
  }
  if (code === 'ETIMEDOUT') return new DeadlineExceededError(msg, options);
  return new InternalError(msg, options);
}
