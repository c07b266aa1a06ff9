import { protocolFeatures } from './remotecommand-protocol.js';

/** A Kubernetes `metav1.Status`, as remotecommand v4+ writes it on the error stream. */
export interface KubeStatus {
  metadata?: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
  code?: number;
}

/** Status reason of a command that exited non-zero, and the cause type carrying the code. */
export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode';
export const EXIT_CODE_CAUSE_TYPE = 'ExitCode';

/** The Status of a command that ended with exit code 0 (or an attach that ended). */
export function successStatus(): KubeStatus {
  return { metadata: {}, status: 'Success' };
}

/** The Status the kubelet writes for a non-zero exit code. */
export function exitCodeStatus(exitCode: number): KubeStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: NON_ZERO_EXIT_CODE_REASON,
    details: { causes: [{ reason: EXIT_CODE_CAUSE_TYPE, message: String(exitCode) }] },
  };
}

/** The Status of a runtime failure (apierrors.NewInternalError). */
export function internalErrorStatus(message: string): KubeStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/**
 * The bytes to write on the error stream for `status` under `protocol`: JSON for v4+, the
 * message text for v1-v3 (nothing on success, as the kubelet does), or null for nothing.
 */
export function encodeStatus(status: KubeStatus, protocol: string): Buffer | null {
  if (protocolFeatures(protocol).jsonStatus) return Buffer.from(JSON.stringify(status));
  if (status.status === 'Success') return null;
  return Buffer.from(status.message ?? 'error');
}

/** What a client learns from the error stream. */
export interface CommandOutcome {
  /** The exit code: 0 on success; null when the server reported an error without one. */
  exitCode: number | null;
  /** The Status (v4+). */
  status?: KubeStatus;
  /** The error message, when the command failed or the runtime failed. */
  error?: string;
}

/** Decodes everything the server wrote on the error stream (empty means success). */
export function decodeStatus(data: Buffer, protocol: string): CommandOutcome {
  const text = data.toString('utf8').trim();
  if (!protocolFeatures(protocol).jsonStatus) {
    return text.length === 0 ? { exitCode: 0 } : { exitCode: null, error: text };
  }
  if (text.length === 0) return { exitCode: 0 };
  let status: KubeStatus;
  try {
    status = JSON.parse(text) as KubeStatus;
  } catch {
    return { exitCode: null, error: `error stream protocol error: ${text.slice(0, 200)}` };
  }
  if (status.status === 'Success') return { exitCode: 0, status };
  if (status.reason === NON_ZERO_EXIT_CODE_REASON) {
    const cause = status.details?.causes?.find((c) => c.reason === EXIT_CODE_CAUSE_TYPE);
    const code = cause?.message === undefined ? Number.NaN : Number(cause.message);
    if (Number.isInteger(code) && code >= 0 && code <= 255) {
      return { exitCode: code, status, error: `command terminated with exit code ${code}` };
    }
  }
  return { exitCode: null, status, error: status.message ?? 'unknown error' };
}
