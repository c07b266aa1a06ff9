/**
 * The one resource model both backends accept: the subset of the OCI runtime spec's
 * `LinuxResources` (config-linux.md) that a node agent sets on pod and container cgroups.
 * Field names and units follow the OCI spec; the v2 backend converts them as runc does
 * (shares -> `cpu.weight`, quota/period -> `cpu.max`, memory+swap -> `memory.swap.max`,
 * reservation -> `memory.low`, blkio weight -> `io.weight`). Every field is optional; an
 * absent field is left as it is.
 */
export interface LinuxResources {
  /** CPU time and placement. */
  cpu?: LinuxCpu;
  /** Memory limits. */
  memory?: LinuxMemory;
  /** Process number limit. */
  pids?: LinuxPids;
  /** Huge page limits, one entry per page size. */
  hugepageLimits?: LinuxHugepageLimit[];
  /** Block I/O weight. */
  blockIO?: LinuxBlockIO;
}

/** CPU settings (OCI `linux.resources.cpu`). */
export interface LinuxCpu {
  /** Relative weight, 2..262144 (v1 `cpu.shares`; v2 `cpu.weight` 1..10000 by conversion). */
  shares?: number;
  /** CFS quota in microseconds per period; -1 for no limit; at least 1000. */
  quota?: number;
  /** CFS period in microseconds, 1000..1000000 (kernel default 100000). */
  period?: number;
  /** CPUs the tasks may run on, in cpuset list format (`0-3,6`). */
  cpus?: string;
  /** Memory nodes the tasks may allocate from, in cpuset list format. */
  mems?: string;
}

/** Memory settings (OCI `linux.resources.memory`), in bytes. */
export interface LinuxMemory {
  /** Hard limit; -1 for no limit (v1 `memory.limit_in_bytes`, v2 `memory.max`). */
  limit?: number;
  /** Soft limit / protection; -1 for none (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`). */
  reservation?: number;
  /**
   * Memory plus swap, as in OCI; -1 for no limit. Must be >= `limit`. v1
   * `memory.memsw.limit_in_bytes`; v2 `memory.swap.max` = swap - limit.
   */
  swap?: number;
}

/** Process number limit (OCI `linux.resources.pids`). */
export interface LinuxPids {
  /** Maximum number of tasks; -1 for no limit. */
  limit: number;
}

/** A huge page limit (OCI `linux.resources.hugepageLimits[]`). */
export interface LinuxHugepageLimit {
  /** Page size as the kernel names it in file names: `2MB`, `1GB`, `64KB`. */
  pageSize: string;
  /** Limit in bytes. */
  limit: number;
}

/** Block I/O settings (OCI `linux.resources.blockIO`). */
export interface LinuxBlockIO {
  /** Weight, 10..1000 (v1 `blkio.weight` / `blkio.bfq.weight`; v2 `io.bfq.weight` / `io.weight`). */
  weight?: number;
}

/** The controllers a set of resources needs, by their v1 names. */
export function controllersFor(r: LinuxResources): Set<string> {
  const out = new Set<string>();
  const c = r.cpu;
  if (c && (c.shares !== undefined || c.quota !== undefined || c.period !== undefined))
    out.add('cpu');
  if (c && (c.cpus !== undefined || c.mems !== undefined)) out.add('cpuset');
  if (r.memory && Object.values(r.memory).some((v) => v !== undefined)) out.add('memory');
  if (r.pids) out.add('pids');
  if (r.hugepageLimits && r.hugepageLimits.length > 0) out.add('hugetlb');
  if (r.blockIO?.weight !== undefined) out.add('blkio');
  return out;
}
