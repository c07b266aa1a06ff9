/**
 * The package's own errors. Request validation in the URL-handing methods throws the CRI
 * errors of `@capstan/errdefs` (InvalidArgumentError, ResourceExhaustedError...) so that a CRI
 * server maps them to the right gRPC status; everything on the wire throws these.
 */
import { CapstanError, type ErrorKind } from '@capstan/errdefs';

/** Options of a streaming error: the cause, and its kind when it is not `internal`. */
export interface StreamingErrorOptions extends ErrorOptions {
  kind?: ErrorKind;
}

/** Base of every streaming error; `kind` (default `internal`) says how to treat it. */
export class StreamingError extends CapstanError {
  constructor(message: string, options?: StreamingErrorOptions) {
    super(options?.kind ?? 'internal', message, options);
  }
}

/**
 * The peer broke SPDY/3.1: a malformed or oversized frame, a bad stream ID, undecodable
 * headers. `status` is the RST_STREAM status (stream errors) or GOAWAY status (session
 * errors) that was sent; `streamId` is 0 for session errors.
 */
export class SpdyProtocolError extends StreamingError {
  readonly status: number;
  readonly streamId: number;
  constructor(message: string, status: number, streamId = 0, options?: ErrorOptions) {
    super(message, { ...options, kind: 'invalid-argument' });
    this.status = status;
    this.streamId = streamId;
  }
}

/** A SPDY stream was reset by the peer (RST_STREAM) or because the session ended. */
export class StreamResetError extends StreamingError {
  readonly status: number;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, { ...options, kind: 'aborted' });
    this.status = status;
  }
}

/**
 * The server answered an upgrade request with an HTTP status instead of switching
 * protocols: 404 for an unknown, used or expired token, 403 when no offered protocol
 * version is supported, 400 for a bad request.
 */
export class UpgradeFailedError extends StreamingError {
  readonly statusCode: number;
  readonly body: string;
  constructor(statusCode: number, body: string, url: string, options?: ErrorOptions) {
    super(
      `upgrade of ${url} failed: HTTP ${statusCode}${body ? `: ${body.trim().slice(0, 300)}` : ''}`,
      { ...options, kind: upgradeKind(statusCode) },
    );
    this.statusCode = statusCode;
    this.body = body;
  }
}

/** The kind of an HTTP answer to an upgrade. */
function upgradeKind(statusCode: number): ErrorKind {
  if (statusCode === 400) return 'invalid-argument';
  if (statusCode === 401) return 'unauthenticated';
  if (statusCode === 403) return 'permission-denied';
  if (statusCode === 404) return 'not-found';
  return 'unavailable';
}

/** A connection or stream did not come up in time. */
export class StreamingTimeoutError extends StreamingError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, kind: 'deadline-exceeded' });
  }
}

/** The remote end reported an error for a forwarded port (its error stream or channel). */
export class PortForwardError extends StreamingError {
  readonly port: number;
  constructor(port: number, message: string, options?: ErrorOptions) {
    super(message, { ...options, kind: 'unavailable' });
    this.port = port;
  }
}

/** True for an {@link UpgradeFailedError}. */
export function isUpgradeFailed(err: unknown): err is UpgradeFailedError {
  return err instanceof UpgradeFailedError;
}
