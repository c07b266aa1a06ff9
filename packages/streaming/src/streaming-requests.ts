import {
  type AttachRequest,
  type ExecRequest,
  InvalidArgumentError,
  type PortForwardRequest,
} from '@capstan/cri-api';
import type { StreamFlags } from './remotecommand-io.js';

/** A request waiting behind a token. */
export type PendingRequest =
  | { kind: 'exec'; containerId: string; cmd: readonly string[]; flags: StreamFlags }
  | { kind: 'attach'; containerId: string; flags: StreamFlags }
  | { kind: 'portforward'; podSandboxId: string; ports: readonly number[] };

/** The URL kinds, as path segments. */
export type StreamingKind = PendingRequest['kind'];

function flagsOf(
  req: Partial<Pick<ExecRequest, 'containerId' | 'tty' | 'stdin' | 'stdout' | 'stderr'>>,
  rpc: string,
): StreamFlags {
  const flags = {
    stdin: req.stdin ?? false,
    stdout: req.stdout ?? false,
    stderr: req.stderr ?? false,
    tty: req.tty ?? false,
  };
  if (!req.containerId) throw new InvalidArgumentError(`${rpc}: missing required container_id`);
  if (flags.tty && flags.stderr) {
    // A terminal has one output stream: there is nothing to multiplex stderr from.
    throw new InvalidArgumentError(`${rpc}: tty and stderr cannot both be true`);
  }
  if (!flags.stdin && !flags.stdout && !flags.stderr) {
    throw new InvalidArgumentError(`${rpc}: one of stdin, stdout, or stderr must be set`);
  }
  return flags;
}

/** Validates an ExecRequest as the kubelet's streaming server does (plus a non-empty cmd). */
export function pendingExec(req: Partial<ExecRequest>): PendingRequest {
  const flags = flagsOf(req, 'Exec');
  if (!req.cmd?.length) throw new InvalidArgumentError('Exec: cmd must not be empty');
  return { kind: 'exec', containerId: req.containerId!, cmd: [...req.cmd], flags };
}

export function pendingAttach(req: Partial<AttachRequest>): PendingRequest {
  const flags = flagsOf(req, 'Attach');
  return { kind: 'attach', containerId: req.containerId!, flags };
}

export function pendingPortForward(req: Partial<PortForwardRequest>): PendingRequest {
  if (!req.podSandboxId)
    throw new InvalidArgumentError('PortForward: missing required pod_sandbox_id');
  const ports = req.port ?? [];
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      throw new InvalidArgumentError(`PortForward: port ${p} is not between 1 and 65535`);
    }
  }
  return { kind: 'portforward', podSandboxId: req.podSandboxId, ports: [...ports] };
}

/** `/exec/<token>` and friends, under an optional base path. */
export function parseStreamingPath(
  url: string | undefined,
): { kind: StreamingKind; token: string; query: URLSearchParams } | undefined {
  const parsed = new URL(url ?? '/', 'http://x');
  const m = /\/(exec|attach|portforward)\/([A-Za-z0-9_-]{1,128})\/?$/.exec(parsed.pathname);
  if (!m) return undefined;
  return { kind: m[1] as StreamingKind, token: m[2]!, query: parsed.searchParams };
}

/** Ports from a `ports` query parameter (`?ports=80,443` or repeated), or an error text. */
export function portsFromQuery(query: URLSearchParams): number[] | string {
  const out: number[] = [];
  for (const value of query.getAll('ports')) {
    for (const part of value.split(',')) {
      const p = Number(part);
      if (!/^\d+$/.test(part) || p < 1 || p > 65535)
        return `unable to parse ${JSON.stringify(part)} as a port`;
      out.push(p);
    }
  }
  return out;
}
