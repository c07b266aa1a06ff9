import { ContainerConfig, PodSandboxConfig } from '@capstan/cri-api';
import type { ContainerRecord, SandboxRecord } from './backend.js';

// Records hold generated CRI messages with bigint fields; on disk they go through the
// messages' own JSON mapping (int64 as decimal strings), which round-trips exactly.

export function sandboxToJson(r: SandboxRecord): unknown {
  return { ...r, config: PodSandboxConfig.toJSON(r.config), createdAt: String(r.createdAt) };
}

export function sandboxFromJson(v: unknown): SandboxRecord {
  const o = v as SandboxRecord & { config: unknown; createdAt: string };
  return { ...o, config: PodSandboxConfig.fromJSON(o.config), createdAt: BigInt(o.createdAt) };
}

export function containerToJson(r: ContainerRecord): unknown {
  return {
    ...r,
    config: ContainerConfig.toJSON(r.config),
    createdAt: String(r.createdAt),
    startedAt: String(r.startedAt),
    finishedAt: String(r.finishedAt),
  };
}

export function containerFromJson(v: unknown): ContainerRecord {
  const o = v as ContainerRecord & {
    config: unknown;
    createdAt: string;
    startedAt: string;
    finishedAt: string;
  };
  return {
    ...o,
    config: ContainerConfig.fromJSON(o.config),
    createdAt: BigInt(o.createdAt),
    startedAt: BigInt(o.startedAt),
    finishedAt: BigInt(o.finishedAt),
  };
}

/** The sandbox's unique name, as containerd builds it: name_namespace_uid_attempt. */
export function sandboxName(config: PodSandboxConfig): string {
  const m = config.metadata!;
  return [m.name, m.namespace, m.uid, m.attempt].join('_');
}

/** The container's unique name: its name, attempt and its sandbox's name. */
export function containerName(config: ContainerConfig, sandbox: PodSandboxConfig): string {
  return [config.metadata!.name, sandboxName(sandbox), config.metadata!.attempt].join('_');
}

/** Nanoseconds since the epoch, now. */
export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
