import type { DiskUsage, PodUsage } from './observation.js';
import { type EvictablePod, podRequest } from './pod.js';
import type { Signal } from './signal.js';

/** The per-pod disk statistics a disk signal is ranked by. */
export type PodDiskStat = 'rootfs' | 'logs' | 'volumes';

/** Usage of each pod by UID, as the stats provider measured it. */
export type PodUsageIndex = ReadonlyMap<string, PodUsage>;

/** Compare two pods: negative when `a` is to be evicted before `b`. */
type Cmp = (a: EvictablePod, b: EvictablePod) => number;

/** true before false (the kubelet's `cmpBool`). */
const cmpBool = (a: boolean, b: boolean) => (a === b ? 0 : a ? -1 : 1);

/** Index pod usage by UID. */
export function indexPodUsage(pods: readonly PodUsage[]): PodUsageIndex {
  return new Map(pods.map((p) => [p.uid, p]));
}

/** Sort a copy of `pods` by the comparators in order (stable: ties keep input order). */
function orderedBy(pods: readonly EvictablePod[], ...cmps: Cmp[]): EvictablePod[] {
  return [...pods].sort((a, b) => {
    for (const c of cmps) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
}

/** Lower priority first. */
const byPriority: Cmp = (a, b) => (a.priority ?? 0) - (b.priority ?? 0);

/** Pods without stats first (the kubelet evicts the pod it cannot measure first). */
function withStats(usage: PodUsageIndex, then: (a: PodUsage, b: PodUsage) => number): Cmp {
  return (a, b) => {
    const ua = usage.get(a.uid);
    const ub = usage.get(b.uid);
    if (!ua || !ub) return cmpBool(!ua, !ub);
    return then(ua, ub);
  };
}

/** A per-pod memo of requests (aggregating a pod spec is not free). */
function requests(resource: string): (pod: EvictablePod) => number {
  const memo = new Map<EvictablePod, number>();
  return (pod) => {
    let r = memo.get(pod);
    if (r === undefined) {
      r = podRequest(pod, resource);
      memo.set(pod, r);
    }
    return r;
  };
}

/**
 * Order pods for eviction under memory pressure, as the kubelet's `rankMemoryPressure`:
 * pods whose working set exceeds their memory request first, then lower priority first,
 * then the largest working set above the request first. Returns a new array.
 */
export function rankMemoryPressure(
  pods: readonly EvictablePod[],
  usage: PodUsageIndex,
): EvictablePod[] {
  const req = requests('memory');
  const uidToPod = new Map(pods.map((p) => [p.uid, p]));
  const over = (u: PodUsage) => (u.memoryWorkingSetBytes ?? 0) - req(uidToPod.get(u.uid)!);
  const exceeds = withStats(usage, (a, b) => cmpBool(over(a) > 0, over(b) > 0));
  const above = withStats(usage, (a, b) => over(b) - over(a));
  return orderedBy(pods, exceeds, byPriority, above);
}

const sumDisk = (u: PodUsage, stats: readonly PodDiskStat[], field: keyof DiskUsage) =>
  stats.reduce((n, s) => n + (u[s]?.[field] ?? 0), 0);

/**
 * Order pods for eviction under disk pressure, as the kubelet's `rankDiskPressureFunc`:
 * pods whose local storage use (the `stats` given: writable layers, logs, local volumes)
 * exceeds their `ephemeral-storage` request first, then lower priority first, then the
 * largest use above the request first. `resource` picks bytes or inodes. Returns a new
 * array. (For inodes the request is 0; the kubelet subtracts the byte request from an
 * inode count there, which is a unit mix-up this package does not copy.)
 */
export function rankDiskPressure(
  pods: readonly EvictablePod[],
  usage: PodUsageIndex,
  stats: readonly PodDiskStat[],
  resource: 'ephemeral-storage' | 'inodes',
): EvictablePod[] {
  const req = resource === 'inodes' ? () => 0 : requests('ephemeral-storage');
  const field = resource === 'inodes' ? 'inodes' : 'bytes';
  const uidToPod = new Map(pods.map((p) => [p.uid, p]));
  const used = (u: PodUsage) => sumDisk(u, stats, field);
  const over = (u: PodUsage) => used(u) - req(uidToPod.get(u.uid)!);
  const exceeds = withStats(usage, (a, b) => cmpBool(over(a) > 0, over(b) > 0));
  const above = withStats(usage, (a, b) => over(b) - over(a));
  return orderedBy(pods, exceeds, byPriority, above);
}

/**
 * Order pods for eviction under PID pressure, as the kubelet's `rankPIDPressure`: lower
 * priority first, then the most tasks first. Returns a new array.
 */
export function rankPidPressure(
  pods: readonly EvictablePod[],
  usage: PodUsageIndex,
): EvictablePod[] {
  const procs = withStats(usage, (a, b) => (b.processes ?? 0) - (a.processes ?? 0));
  return orderedBy(pods, byPriority, procs);
}

/**
 * Which per-pod disk statistics count for a disk signal (the kubelet's
 * `buildSignalToRankFunc`): with one shared filesystem, everything (writable layers, logs,
 * local volumes) for both nodefs and imagefs; with a dedicated imagefs, nodefs counts logs
 * and local volumes and imagefs counts the writable layers.
 */
export function diskStatsFor(signal: Signal, dedicatedImageFs: boolean): PodDiskStat[] {
  if (!dedicatedImageFs) return ['rootfs', 'logs', 'volumes'];
  return signal.startsWith('imagefs.') ? ['rootfs'] : ['logs', 'volumes'];
}

/** Rank pods for the starved signal with the kubelet's ranking function for it. */
export function rankForSignal(
  signal: Signal,
  pods: readonly EvictablePod[],
  usage: PodUsageIndex,
  dedicatedImageFs: boolean,
): EvictablePod[] {
  switch (signal) {
    case 'memory.available':
    case 'allocatableMemory.available':
      return rankMemoryPressure(pods, usage);
    case 'pid.available':
      return rankPidPressure(pods, usage);
    case 'nodefs.available':
    case 'imagefs.available':
      return rankDiskPressure(
        pods,
        usage,
        diskStatsFor(signal, dedicatedImageFs),
        'ephemeral-storage',
      );
    case 'nodefs.inodesFree':
    case 'imagefs.inodesFree':
      return rankDiskPressure(pods, usage, diskStatsFor(signal, dedicatedImageFs), 'inodes');
  }
}
