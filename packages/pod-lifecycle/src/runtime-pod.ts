import {
  type Container as CriContainer,
  type ContainerStatus as CriStatus,
  isNotFound,
  type PodSandbox,
} from '@capstan/cri-api';
import { LABEL_POD_UID } from './pod-naming.js';
import type { LifecycleRuntime } from './runtime-client.js';

/** What the runtime holds of one pod: its sandboxes and containers, newest first. */
export interface RuntimePod {
  sandboxes: PodSandbox[];
  containers: CriContainer[];
  /** ContainerStatus of each container by ID (absent when the container vanished meanwhile). */
  statuses: Map<string, CriStatus>;
}

/** Reads the pod `uid` from the runtime (by the pod UID label). */
export async function runtimePod(
  cri: Pick<LifecycleRuntime, 'runtime'>,
  uid: string,
): Promise<RuntimePod> {
  const [{ items }, { containers }] = await Promise.all([
    cri.runtime.listPodSandbox({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
    cri.runtime.listContainers({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
  ]);
  const statuses = new Map<string, CriStatus>();
  await Promise.all(
    containers.map(async (c) => {
      try {
        const s = (await cri.runtime.containerStatus({ containerId: c.id })).status;
        if (s) statuses.set(c.id, s);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }),
  );
  items.sort((a, b) => Number(b.createdAt - a.createdAt));
  containers.sort((a, b) => Number(b.createdAt - a.createdAt));
  return { sandboxes: items, containers, statuses };
}
