import { isUnavailable, kindOf } from '@capstan/cri-api';
import { PodApiError } from '../pod/pod-manager.js';

/** Details of a Kubernetes Status: which object, and per-field causes for 422s. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason: string; message: string; field: string }[];
}

/** The meta/v1 Status object every API error is sent as. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/**
 * An error the API answers with a Status of the given code and reason. The reasons are
 * Kubernetes' StatusReason values (`NotFound`, `Invalid`, `Conflict`, ...), which kubectl
 * prints as `Error from server (<reason>): <message>`.
 */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiStatusError';
  }
}

export const badRequest = (message: string): ApiStatusError =>
  new ApiStatusError(400, 'BadRequest', message);

export const notFound = (resource: string, name: string): ApiStatusError =>
  new ApiStatusError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });

/** The 404 of a path this server does not serve, worded like the API server's. */
export const pathNotFound = (): ApiStatusError =>
  new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');

export const methodNotAllowed = (method: string, what: string): ApiStatusError =>
  new ApiStatusError(
    405,
    'MethodNotAllowed',
    `the server does not allow method ${method} on ${what}`,
  );

/** A 422 with one field cause, worded like the API server's validation errors. */
export function invalid(kind: string, name: string, field: string, detail: string): ApiStatusError {
  return new ApiStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${detail}`, {
    name,
    kind: kind === 'Pod' ? 'Pod' : kind,
    causes: [{ reason: causeReason(detail), message: detail, field }],
  });
}

function causeReason(detail: string): string {
  if (detail.startsWith('Required value')) return 'FieldValueRequired';
  if (detail.startsWith('Unsupported value')) return 'FieldValueNotSupported';
  if (detail.startsWith('Forbidden')) return 'FieldValueForbidden';
  if (detail.startsWith('Duplicate value')) return 'FieldValueDuplicate';
  return 'FieldValueInvalid';
}

/** Builds the Status for any error: ours, the manager's PodApiError, or an unexpected one. */
export function statusOf(err: unknown): KubeStatus {
  if (err instanceof ApiStatusError) {
    return makeStatus(err.code, err.reason, err.message, err.details);
  }
  if (err instanceof PodApiError) {
    return makeStatus(err.code, err.reason, err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  // A watch from a resourceVersion whose events are no longer held: the client relists.
  if (kindOf(err) === 'out-of-range') return makeStatus(410, 'Expired', message);
  if (kindOf(err) === 'invalid-argument') return makeStatus(400, 'BadRequest', message);
  // The runtime (or another backend) is down or restarting: the request may be retried.
  if (isUnavailable(err)) {
    return makeStatus(
      503,
      'ServiceUnavailable',
      `the container runtime is unavailable: ${message}`,
    );
  }
  return makeStatus(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function makeStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}
