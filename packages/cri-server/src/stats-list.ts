import {
  ContainerState,
  type ContainerStats,
  type ContainerStatsFilter,
  type DeepPartial,
  PodSandboxState,
  type PodSandboxStats,
  type PodSandboxStatsFilter,
  UnimplementedError,
} from '@capstan/cri-api';
import { requireContainer } from './container-state.js';
import { listContainers } from './container-status.js';
import type { Core } from './core.js';
import { requireId } from './ids.js';
import { listPodSandbox } from './sandbox-status.js';

function need<T>(fn: T | undefined, rpc: string): T {
  if (!fn) throw new UnimplementedError(`${rpc} is not supported by this runtime`);
  return fn;
}

export async function containerStats(
  core: Core,
  containerId: string,
): Promise<DeepPartial<ContainerStats>> {
  const stats = need(core.backend.containerStats, 'ContainerStats').bind(core.backend);
  return stats(requireContainer(core, containerId));
}

/** Stats of running containers, selected by the same rules as ListContainers. */
export async function listContainerStats(
  core: Core,
  filter: ContainerStatsFilter | undefined,
): Promise<DeepPartial<ContainerStats>[]> {
  const stats = need(core.backend.containerStats, 'ListContainerStats').bind(core.backend);
  const running = { state: { state: ContainerState.CONTAINER_RUNNING } };
  const ids = (
    await listContainers(core, {
      id: '',
      podSandboxId: '',
      labelSelector: {},
      ...filter,
      ...running,
    })
  ).map((c) => c.id!);
  return Promise.all(ids.map((id) => stats(core.store.containers.get(id)!)));
}

export async function podSandboxStats(
  core: Core,
  podSandboxId: string,
): Promise<DeepPartial<PodSandboxStats>> {
  const stats = need(core.backend.sandboxStats, 'PodSandboxStats').bind(core.backend);
  const s = core.store.sandboxes.get(
    requireId(core.store.sandboxes.keys(), podSandboxId, 'pod sandbox'),
  )!;
  return stats(s, core.store.containersOf(s.id));
}

/** Stats of ready sandboxes, selected by the same rules as ListPodSandbox. */
export async function listPodSandboxStats(
  core: Core,
  filter: PodSandboxStatsFilter | undefined,
): Promise<DeepPartial<PodSandboxStats>[]> {
  const stats = need(core.backend.sandboxStats, 'ListPodSandboxStats').bind(core.backend);
  const ready = { state: { state: PodSandboxState.SANDBOX_READY } };
  const pods = await listPodSandbox(core, { id: '', labelSelector: {}, ...filter, ...ready });
  return Promise.all(
    pods.map((p) => stats(core.store.sandboxes.get(p.id!)!, core.store.containersOf(p.id!))),
  );
}
