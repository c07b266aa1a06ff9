import { readdir, rm } from 'node:fs/promises';
import type { PodCgroupHierarchy } from '@capstan/cgroups';
import type { LifecycleLogger } from './logger.js';
import { LABEL_MANAGED, LABEL_POD_UID } from './pod-naming.js';
import type { LifecycleRuntime } from './runtime-client.js';
import { tearDownVolumes, type VolumeOptions } from './volume-setup.js';

/** What the sweep of leftovers needs. */
export interface PodCleanupOptions {
  /** Whether the agent knows this pod UID (it is in the registry). */
  known(uid: string): boolean;
  runtime: Pick<LifecycleRuntime['runtime'], 'listPodSandbox'>;
  agentId: string;
  /** The pod log root: `<ns>_<name>_<uid>` dirs. */
  logRoot: string;
  volumes: Pick<VolumeOptions, 'podsDir'>;
  hierarchy?: Pick<PodCgroupHierarchy, 'listPods' | 'deletePod'> | undefined;
  logger: LifecycleLogger;
}

/**
 * The kubelet's HandlePodCleanups for what outlives a pod: its log dir, its volume dir and
 * its pod cgroup stay behind when the agent was killed between removing the pod's sandbox
 * and its files, or when a pod was deleted while the agent was down. One sweep removes
 * those of every pod UID that the agent does not know and that no sandbox of this agent
 * carries (a pod still in the runtime is the sync's to kill first). Returns the UIDs swept.
 */
export async function sweepPodLeftovers(o: PodCleanupOptions): Promise<string[]> {
  const { items } = await o.runtime.listPodSandbox({
    filter: { labelSelector: { [LABEL_MANAGED]: o.agentId } },
  });
  const inRuntime = new Set(items.map((s) => s.labels[LABEL_POD_UID]));
  const gone = (uid: string) => !o.known(uid) && !inRuntime.has(uid);
  const swept = new Set<string>();
  for (const dir of await readdir(o.logRoot).catch(() => [] as string[])) {
    const uid = dir.slice(dir.lastIndexOf('_') + 1);
    if (dir.split('_').length < 3 || !gone(uid)) continue;
    await rm(`${o.logRoot}/${dir}`, { recursive: true, force: true });
    swept.add(uid);
  }
  for (const uid of await readdir(o.volumes.podsDir).catch(() => [] as string[])) {
    if (!gone(uid)) continue;
    await tearDownVolumes(uid, { podsDir: o.volumes.podsDir });
    swept.add(uid);
  }
  for (const c of (await o.hierarchy?.listPods()) ?? []) {
    if (!gone(c.uid)) continue;
    await o.hierarchy?.deletePod(c.uid, { timeoutMs: 5000 });
    swept.add(c.uid);
  }
  if (swept.size > 0) o.logger.info({ pods: [...swept] }, 'removed what deleted pods left behind');
  return [...swept];
}
