/**
 * What a stats provider observes: node-level amounts from which the signals are computed,
 * and per-pod usage from which pods are ranked. Plain data, so the decision core can be fed
 * scripted observations.
 */

/** Memory of the node (or of the pods' allocatable cgroup). */
export interface MemoryObservation {
  /** Capacity: the machine's memory, or the cgroup's limit where one is set. */
  capacityBytes: number;
  /** Usage minus inactive file pages (reclaimable page cache does not count). */
  workingSetBytes: number;
  /** Raw usage (v1 `memory.usage_in_bytes`, v2 `memory.current`), for kernel usage thresholds. */
  usageBytes?: number;
  /** Memory PSI `some avg10` in percent, where the kernel offers it (v2). */
  pressureSomeAvg10?: number;
  /** When this was read (ms since the epoch); the observation's `time` by default. */
  time?: number;
}

/** A filesystem (nodefs or imagefs), from statfs. */
export interface FsObservation {
  /** Total bytes (`f_blocks × f_bsize`). */
  capacityBytes: number;
  /** Bytes available to unprivileged users (`f_bavail × f_bsize`). */
  availableBytes: number;
  /** Total inodes (`f_files`). */
  inodes?: number;
  /** Free inodes (`f_ffree`). */
  inodesFree?: number;
  /** A device identity; two filesystems with the same one are the same disk. */
  device?: string | number;
  /** When this was read (ms since the epoch). */
  time?: number;
}

/** Process ids of the node. */
export interface PidObservation {
  /** The most tasks the kernel allows: min(`kernel.pid_max`, `kernel.threads-max`). */
  maxPids: number;
  /** Tasks that exist now (`/proc/loadavg`'s fourth field, after the slash). */
  running: number;
  /** When this was read (ms since the epoch). */
  time?: number;
}

/** Disk usage of a set of paths: bytes on disk and inodes. */
export interface DiskUsage {
  /** Bytes allocated on disk. */
  bytes: number;
  /** Inodes used. */
  inodes: number;
}

/** What one pod uses. Absent sections rank a pod first (the kubelet's "no stats" rule). */
export interface PodUsage {
  /** The pod UID. */
  uid: string;
  /** Memory working set of the pod cgroup. */
  memoryWorkingSetBytes?: number;
  /** Tasks in the pod cgroup. */
  processes?: number;
  /** Container writable layers. */
  rootfs?: DiskUsage;
  /** Container logs. */
  logs?: DiskUsage;
  /** Local volumes (emptyDir, hostPath-backed ephemeral volumes). */
  volumes?: DiskUsage;
}

/** One observation of the node, as a stats provider returns it. */
export interface NodeObservation {
  /** When the observation was made (ms since the epoch). */
  time: number;
  /** The node's memory (drives `memory.available`). */
  memory?: MemoryObservation;
  /** The pods' cgroup (drives `allocatableMemory.available`). */
  allocatableMemory?: MemoryObservation;
  /** The filesystem of the kubelet's root, logs and volumes. */
  nodefs?: FsObservation;
  /** The filesystem of the container runtime's images (same as nodefs when not separate). */
  imagefs?: FsObservation;
  /** Process ids. */
  pids?: PidObservation;
  /** Usage of each active pod that could be measured. */
  pods: PodUsage[];
}
