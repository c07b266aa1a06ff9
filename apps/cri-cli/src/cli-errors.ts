import { CriError, GrpcStatus } from '@capstan/cri-api';

/** A mistake the CLI itself found (bad flag value, bad file): printed as is, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Thrown after the failures were already printed (one line each): exit with `code`. */
export class ReportedFailure extends Error {
  override name = 'ReportedFailure';
  constructor(readonly code = 1) {
    super(`exit ${code}`);
  }
}

/** `NOT_FOUND` → `NotFound`, the code names gRPC's Go API and crictl print. */
export function grpcCodeName(code: number): string {
  const raw = (GrpcStatus as unknown as Record<number, string>)[code] ?? `Code(${code})`;
  return raw
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** The one line printed for a failure: gRPC errors lead with their code name. */
export function formatError(err: unknown): string {
  const text =
    err instanceof CriError
      ? `${grpcCodeName(err.code)}: ${err.message}`
      : err instanceof Error
        ? err.message
        : String(err);
  return `capstan-cri: ${text.replace(/\s*\n\s*/g, ' ').trim()}`;
}
