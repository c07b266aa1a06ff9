import {
  type CgroupManager,
  type CgroupStats,
  createCgroupManager,
  isNotFound,
  type MemoryEvent,
  type MemoryEventWatcher,
  type PodCgroupHierarchy,
} from '@capstan/cgroups';
import { measureDiskUsage, observeFilesystem } from './disk-usage.js';
import { type EvictionLogger, silentLogger } from './logger.js';
import type { MemoryNotifyLevels, MemorySignal } from './memory-levels.js';
import type { FsObservation, MemoryObservation, NodeObservation, PodUsage } from './observation.js';
import type { EvictablePod } from './pod.js';
import { readMemTotal, readPidObservation } from './proc-stats.js';
import type { StatsProvider, WakeReason } from './stats-provider.js';

/** Where a pod keeps its local storage, for disk ranking. */
export interface PodStoragePaths {
  /** Container writable layers (upper dirs). */
  rootfs?: readonly string[];
  /** Container log directories or files. */
  logs?: readonly string[];
  /** Local volumes: emptyDir and other ephemeral volumes on the node's disk. */
  volumes?: readonly string[];
}

/** Options of {@link createCgroupStatsProvider}. */
export interface CgroupStatsProviderOptions {
  /** The cgroup manager (default: `createCgroupManager()` for this machine). */
  manager?: CgroupManager;
  /**
   * The cgroup whose memory is the node's: `/` (the memory root, `/sys/fs/cgroup/memory` on
   * v1) on a real node; a cgroup of their own in tests. Its limit, when set, is the
   * capacity.
   */
  nodeCgroup?: string;
  /** The pods' cgroup (`/kubepods`) for `allocatableMemory.available`; `false` for none. */
  podsCgroup?: string | false;
  /** Finds pod cgroups by UID when a pod has no `cgroupPath`. */
  hierarchy?: PodCgroupHierarchy;
  /** The kubelet's filesystem (root dir, logs, volumes): `/var/lib/kubelet` by default. */
  nodefsPath?: string;
  /** The runtime's image filesystem; nodefs when not given (one shared disk). */
  imagefsPath?: string;
  /** A pod's storage paths, measured with {@link measureDiskUsage}. */
  podStorage?: (pod: EvictablePod) => PodStoragePaths | undefined;
  /** Where procfs is (default `/proc`). */
  procRoot?: string;
  /** The node's memory capacity; default: the node cgroup's limit, else `MemTotal`. */
  memoryCapacityBytes?: number;
  /** Where to report failed statfs calls and notification problems; silent by default. */
  logger?: EvictionLogger;
}

interface Registration {
  watcher: MemoryEventWatcher;
  levels: number[];
  warning: Set<number>;
}

/** Two level sets are the same if they have as many entries, each within 256 KiB. */
const sameLevels = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - (b[i] ?? 0)) < 256 * 1024);

/**
 * A {@link StatsProvider} over `@capstan/cgroups`, statfs and procfs: node memory from
 * the node cgroup's working set against its limit (or `MemTotal`), allocatable memory from
 * the pods cgroup, nodefs and imagefs from statfs, pids from procfs, per-pod memory and
 * tasks from pod cgroups and per-pod disk use by walking the pod's storage paths.
 *
 * Memory notifications: on cgroup v1 a usage threshold eventfd per level on the node (and
 * pods) cgroup through `MemoryEventWatcher`; on v2 (no usage thresholds in the kernel) the
 * `memory.events` watch, so `high`, `max` and `oom` wake the manager.
 */
export class CgroupStatsProvider implements StatsProvider {
  readonly #manager: CgroupManager;
  readonly #options: CgroupStatsProviderOptions;
  readonly #logger: EvictionLogger;
  readonly #nodeCgroup: string;
  readonly #podsCgroup: string | undefined;
  readonly #watches = new Map<string, Registration>();
  #memTotal: number | undefined;

  /** Build the provider (nothing is read until {@link observe}). */
  constructor(options: CgroupStatsProviderOptions = {}) {
    this.#options = options;
    this.#manager = options.manager ?? createCgroupManager();
    this.#logger = options.logger ?? silentLogger;
    this.#nodeCgroup = options.nodeCgroup ?? '/';
    this.#podsCgroup =
      options.podsCgroup === false ? undefined : (options.podsCgroup ?? '/kubepods');
  }

  /** The cgroup a memory signal is measured on. */
  cgroupOf(signal: MemorySignal): string | undefined {
    return signal === 'memory.available' ? this.#nodeCgroup : this.#podsCgroup;
  }

  async #memory(path: string, fallbackCapacity?: number): Promise<MemoryObservation | undefined> {
    let stats: CgroupStats;
    try {
      stats = await this.#manager.stats(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const m = stats.memory;
    if (!m) return undefined;
    this.#memTotal ??= await readMemTotal(this.#options.procRoot);
    const machine = fallbackCapacity ?? this.#options.memoryCapacityBytes ?? this.#memTotal;
    const capacityBytes = m.limitBytes > 0 ? Math.min(m.limitBytes, machine) : machine;
    const out: MemoryObservation = {
      capacityBytes,
      workingSetBytes: m.workingSetBytes,
      usageBytes: m.usageBytes,
      time: stats.timestamp,
    };
    const psi = stats.pressure?.memory?.some.avg10;
    if (psi !== undefined) out.pressureSomeAvg10 = psi;
    return out;
  }

  async #podCgroup(pod: EvictablePod): Promise<string | undefined> {
    if (pod.cgroupPath) return pod.cgroupPath;
    return (await this.#options.hierarchy?.findPod(pod.uid))?.path;
  }

  async #pod(pod: EvictablePod): Promise<PodUsage | undefined> {
    const usage: PodUsage = { uid: pod.uid };
    let measured = false;
    const path = await this.#podCgroup(pod);
    if (path) {
      try {
        const s = await this.#manager.stats(path);
        if (s.memory) usage.memoryWorkingSetBytes = s.memory.workingSetBytes;
        usage.processes = s.pids
          ? s.pids.current
          : (await this.#manager.processes(path, { recursive: true })).length;
        measured = true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const storage = this.#options.podStorage?.(pod);
    if (storage) {
      const [rootfs, logs, volumes] = await Promise.all([
        measureDiskUsage(storage.rootfs ?? []),
        measureDiskUsage(storage.logs ?? []),
        measureDiskUsage(storage.volumes ?? []),
      ]);
      Object.assign(usage, { rootfs, logs, volumes });
      measured = true;
    }
    return measured ? usage : undefined;
  }

  /** Observe the node and the pods now. */
  async observe(pods: readonly EvictablePod[]): Promise<NodeObservation> {
    const nodefsPath = this.#options.nodefsPath ?? '/var/lib/kubelet';
    const imagefsPath = this.#options.imagefsPath;
    const [memory, nodefs, imagefs, pids, podUsage] = await Promise.all([
      this.#memory(this.#nodeCgroup),
      observeFilesystem(nodefsPath).catch((err) => this.#missing('nodefs', nodefsPath, err)),
      imagefsPath && imagefsPath !== nodefsPath
        ? observeFilesystem(imagefsPath).catch((err) => this.#missing('imagefs', imagefsPath, err))
        : undefined,
      readPidObservation(this.#options.procRoot),
      Promise.all(pods.map((p) => this.#pod(p))),
    ]);
    const allocatableMemory = this.#podsCgroup
      ? await this.#memory(this.#podsCgroup, memory?.capacityBytes)
      : undefined;
    const obs: NodeObservation = {
      time: Date.now(),
      pods: podUsage.filter((u): u is PodUsage => u !== undefined),
      pids,
    };
    if (memory) obs.memory = memory;
    if (allocatableMemory) obs.allocatableMemory = allocatableMemory;
    if (nodefs) {
      obs.nodefs = nodefs;
      // One shared disk unless a separate imagefs path was given: the same observation.
      obs.imagefs = imagefs ?? nodefs;
    }
    return obs;
  }

  #missing(what: string, path: string, err: unknown): FsObservation | undefined {
    this.#logger.warn({ path, err }, `cannot statfs the ${what} path`);
    return undefined;
  }

  /**
   * Arm kernel notifications for the levels (see {@link StatsProvider.watchMemory}).
   * Watches whose levels did not move keep their registration; `[]` closes them all.
   */
  async watchMemory(
    levels: readonly MemoryNotifyLevels[],
    wake: (reason: WakeReason, detail: Record<string, unknown>) => void,
  ): Promise<void> {
    const wanted = new Map<string, MemoryNotifyLevels>();
    for (const l of levels) {
      const path = this.cgroupOf(l.signal);
      if (path) wanted.set(path, l);
    }
    for (const [path, reg] of this.#watches) {
      if (!wanted.has(path)) {
        reg.watcher.close();
        this.#watches.delete(path);
      }
    }
    for (const [path, l] of wanted) {
      const v2 = this.#manager.version === 2;
      const all = v2
        ? []
        : [...new Set([...l.crossingBytes, ...l.warningBytes])].sort((a, b) => a - b);
      const old = this.#watches.get(path);
      if (old && sameLevels(old.levels, all)) continue;
      let watcher: MemoryEventWatcher;
      try {
        watcher = await this.#manager.watchMemoryEvents(path, v2 ? {} : { thresholds: all });
      } catch (err) {
        this.#logger.warn({ path, err }, 'cannot arm memory notifications; sweeps only');
        continue;
      }
      const warning = new Set(l.warningBytes.filter((w) => !l.crossingBytes.includes(w)));
      watcher.on('event', (ev: MemoryEvent) => {
        if (ev.type === 'threshold') {
          const reason = warning.has(ev.thresholdBytes) ? 'memory-warning' : 'memory-threshold';
          wake(reason, { path, thresholdBytes: ev.thresholdBytes, usageBytes: ev.usageBytes });
        } else if (ev.type === 'oom') wake('oom', { path, oomKills: ev.oomKills });
        else if (ev.type === 'high' || ev.type === 'max')
          wake('memory-event', { path, event: ev.type, count: ev.count });
      });
      watcher.on('error', (err: Error) => this.#logger.warn({ path, err }, 'memory watch failed'));
      this.#watches.set(path, { watcher, levels: all, warning });
      old?.watcher.close();
      this.#logger.debug?.({ path, levels: all }, 'memory notifications armed');
      // The kernel only signals levels crossed after registration, and a notification of
      // the old registration still in flight is dropped with it: if usage is already past
      // a crossing level, wake the manager to look now.
      const lowest = l.crossingBytes[0];
      if (!v2 && lowest !== undefined) {
        const usage = (await this.#manager.stats(path).catch(() => undefined))?.memory?.usageBytes;
        if (usage !== undefined && usage >= lowest)
          wake('memory-threshold', { path, usageBytes: usage, rearmed: true });
      }
    }
  }
}

/** Build a {@link CgroupStatsProvider}. */
export function createCgroupStatsProvider(
  options: CgroupStatsProviderOptions = {},
): CgroupStatsProvider {
  return new CgroupStatsProvider(options);
}
