import { grpcStatusName, kindOf } from '@capstan/cri-api';

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

/** The one line printed for a failure: gRPC errors lead with their code name. */
export function formatError(err: unknown): string {
  const kind = kindOf(err);
  const text =
    kind && err instanceof Error
      ? `${grpcStatusName(kind)}: ${err.message}`
      : err instanceof Error
        ? err.message
        : String(err);
  return `capstan-cri: ${text.replace(/\s*\n\s*/g, ' ').trim()}`;
}
