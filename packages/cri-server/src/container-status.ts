import type { Container, ContainerFilter, ContainerStatus, DeepPartial } from '@capstan/cri-api';
import { refresh, requireContainer, STATE } from './container-state.js';
import type { Core } from './core.js';
import { labelsMatch } from './labels.js';

export async function containerStatus(
  core: Core,
  idOrPrefix: string,
): Promise<DeepPartial<ContainerStatus>> {
  const r = requireContainer(core, idOrPrefix);
  await refresh(core, [r]);
  return {
    id: r.id,
    metadata: r.config.metadata,
    state: STATE[r.state],
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    exitCode: r.exitCode,
    image: r.config.image,
    imageRef: r.imageRef,
    imageId: r.imageId,
    reason: r.reason,
    message: r.message,
    labels: r.config.labels,
    annotations: r.config.annotations,
    mounts: r.config.mounts,
    logPath: r.logPath,
    ...(r.config.linux?.resources ? { resources: { linux: r.config.linux.resources } } : {}),
  };
}

export async function listContainers(
  core: Core,
  filter: ContainerFilter | undefined,
): Promise<DeepPartial<Container>[]> {
  const all = [...core.store.containers.values()];
  await refresh(core, all);
  return all
    .filter(
      (r) =>
        (!filter?.id || r.id.startsWith(filter.id)) &&
        (!filter?.podSandboxId || r.sandboxId.startsWith(filter.podSandboxId)) &&
        (!filter?.state || STATE[r.state] === filter.state.state) &&
        labelsMatch(r.config.labels, filter?.labelSelector),
    )
    .map((r) => ({
      id: r.id,
      podSandboxId: r.sandboxId,
      metadata: r.config.metadata,
      image: r.config.image,
      imageRef: r.imageRef,
      imageId: r.imageId,
      state: STATE[r.state],
      createdAt: r.createdAt,
      labels: r.config.labels,
      annotations: r.config.annotations,
    }));
}
