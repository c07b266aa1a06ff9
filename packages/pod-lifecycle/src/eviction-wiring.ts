import type { CgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import {
  createCgroupStatsProvider,
  EvictionManager,
  type EvictionSettings,
  parseEvictionSettings,
} from '@capstan/eviction';
import { podResources } from './cri-config.js';
import { collectImages, type ImageGcRuntime } from './image-gc.js';
import type { LifecycleLogger } from './logger.js';
import { nsOf } from './pod-naming.js';
import type { PodRegistry } from './pod-registry.js';
import type { PodWorkers } from './pod-workers.js';

/** Pod cgroups as the lifecycle uses them (sandbox cgroup parents, eviction's stats). */
export interface LifecycleCgroups {
  hierarchy: PodCgroupHierarchy;
  manager: CgroupManager;
}

/** Eviction thresholds in the kubelet's syntax, and the node cgroup they measure. */
export interface LifecycleEvictionOptions extends EvictionSettings {
  /** The cgroup whose memory is the node's ('/' on a real node). */
  nodeCgroup: string;
}

/** What wiring the eviction manager to the pods needs. */
export interface EvictionWiringOptions {
  settings: LifecycleEvictionOptions;
  cgroups: LifecycleCgroups;
  /** The filesystem of the node's state (nodefs). */
  nodefsPath: string;
  registry: PodRegistry;
  workers: Pick<PodWorkers, 'kick' | 'isBusy'>;
  cri: ImageGcRuntime;
  logger: LifecycleLogger;
  /** A node condition (MemoryPressure, DiskPressure, PIDPressure) changed. */
  onCondition(type: string, status: boolean, message: string): void;
}

/**
 * The eviction manager (@capstan/eviction): node memory from the node cgroup, pods from
 * the registry, kernel memory notifications so it acts before the OOM killer. An evicted
 * pod is killed and stays Failed with reason Evicted; reclaim tries image GC first.
 */
export async function startEviction(o: EvictionWiringOptions): Promise<EvictionManager> {
  const { nodeCgroup, ...thresholds } = o.settings;
  const settings = parseEvictionSettings(thresholds);
  const { hierarchy, manager } = o.cgroups;
  const eviction = new EvictionManager({
    ...settings,
    statsProvider: createCgroupStatsProvider({
      manager,
      nodeCgroup,
      podsCgroup: hierarchy.rootPath,
      hierarchy,
      nodefsPath: o.nodefsPath,
    }),
    podProvider: () =>
      o.registry
        .entries()
        .filter(
          (x) =>
            !x.deleting &&
            !x.evicted &&
            x.pod.status?.phase !== 'Succeeded' &&
            x.pod.status?.phase !== 'Failed',
        )
        .map((x) => ({
          ...podResources(x.pod),
          name: x.pod.metadata.name,
          namespace: nsOf(x.pod),
          priority: x.pod.spec.priority ?? 0,
          static: x.source === 'file',
          terminationGracePeriodSeconds: x.pod.spec.terminationGracePeriodSeconds ?? 30,
        })),
    evictPod: async (victim, decision) => {
      const entry = o.registry.get(victim.uid);
      if (!entry) return;
      o.logger.warn({ pod: victim.name, reason: decision.message }, 'evicting pod');
      entry.evicted = {
        message: decision.message,
        gracePeriodSeconds: decision.gracePeriodSeconds ?? 0,
      };
      o.workers.kick(victim.uid);
      // Resolve once its containers are gone, so the next observation sees the node without it.
      while (
        o.workers.isBusy(victim.uid) ||
        o.registry.get(victim.uid)?.pod.status?.reason !== 'Evicted'
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    reclaim: {
      deleteUnusedImages: async () => {
        await collectImages(o.cri, { highThresholdPercent: 0, lowThresholdPercent: 0 }, o.logger);
      },
    },
    logger: o.logger,
  });
  eviction.on('condition', (c: { type: string; status: boolean; message?: string }) => {
    o.onCondition(c.type, c.status, c.message ?? '');
    o.logger.info({ condition: c.type, status: c.status }, 'node condition changed');
  });
  await eviction.start();
  return eviction;
}
