import {
  type DeepPartial,
  FailedPreconditionError,
  type PodSandbox,
  type PodSandboxFilter,
  PodSandboxState,
  type PodSandboxStatus,
} from '@capstan/cri-api';
import type { SandboxRecord } from './backend.js';
import type { Core } from './core.js';
import { requireId } from './ids.js';
import { labelsMatch } from './labels.js';

/** Marks a sandbox not ready when its infrastructure died behind the server's back. */
async function refresh(core: Core, record: SandboxRecord): Promise<void> {
  if (record.state === 'ready' && !(await core.backend.sandboxRunning(record))) {
    record.state = 'notready';
    await core.store.putSandbox(record);
  }
}

/**
 * The sandbox, refreshed; NOT_FOUND when unknown, FAILED_PRECONDITION when not ready (its
 * infrastructure was stopped or died), as containerd's PortForward answers.
 */
export async function requireReadySandbox(
  core: Core,
  idOrPrefix: string,
  what: string,
): Promise<SandboxRecord> {
  const record = core.store.sandboxes.get(
    requireId(core.store.sandboxes.keys(), idOrPrefix, 'pod sandbox'),
  )!;
  await refresh(core, record);
  if (record.state !== 'ready') {
    throw new FailedPreconditionError(`${what}: pod sandbox ${record.id} is not ready`);
  }
  return record;
}

export async function podSandboxStatus(
  core: Core,
  idOrPrefix: string,
): Promise<DeepPartial<PodSandboxStatus>> {
  const record = core.store.sandboxes.get(
    requireId(core.store.sandboxes.keys(), idOrPrefix, 'pod sandbox'),
  )!;
  await refresh(core, record);
  const ns = record.config.linux?.securityContext?.namespaceOptions;
  return {
    id: record.id,
    metadata: record.config.metadata,
    state: stateOf(record),
    createdAt: record.createdAt,
    network: record.network
      ? { ip: record.network.ip, additionalIps: record.network.additionalIps.map((ip) => ({ ip })) }
      : { ip: '' },
    linux: { namespaces: { options: ns ?? {} } },
    labels: record.config.labels,
    annotations: record.config.annotations,
    runtimeHandler: record.runtimeHandler,
  };
}

const stateOf = (r: SandboxRecord) =>
  r.state === 'ready' ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;

export async function listPodSandbox(
  core: Core,
  filter: PodSandboxFilter | undefined,
): Promise<DeepPartial<PodSandbox>[]> {
  const out: DeepPartial<PodSandbox>[] = [];
  for (const r of core.store.sandboxes.values()) {
    if (filter?.id && !r.id.startsWith(filter.id)) continue;
    await refresh(core, r);
    if (filter?.state && stateOf(r) !== filter.state.state) continue;
    if (filter && !labelsMatch(r.config.labels, filter.labelSelector)) continue;
    out.push({
      id: r.id,
      metadata: r.config.metadata,
      state: stateOf(r),
      createdAt: r.createdAt,
      labels: r.config.labels,
      annotations: r.config.annotations,
      runtimeHandler: r.runtimeHandler,
    });
  }
  return out;
}
