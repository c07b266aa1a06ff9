/**
 * The statistics both backends report, in one shape. Times are nanoseconds and sizes are
 * bytes, as JavaScript numbers (exact up to 2^53: about 104 days of CPU time in ns). A
 * section is absent when its controller is not available for the cgroup.
 */
export interface CgroupStats {
  /** The cgroup path the stats are for. */
  path: string;
  /** When the files were read (ms since the epoch). */
  timestamp: number;
  /** CPU usage and throttling. */
  cpu?: CpuStats;
  /** Memory usage. */
  memory?: MemoryStats;
  /** Number of tasks. */
  pids?: PidsStats;
  /** Block I/O totals over all devices. */
  io?: IoStats;
  /** Pressure stall information; only where the kernel offers it per cgroup (v2). */
  pressure?: PressureStats;
}

/** CPU usage (v1 cpuacct + cpu.stat; v2 cpu.stat). */
export interface CpuStats {
  /** Total CPU time consumed. */
  usageNanos: number;
  /** CPU time in user mode. */
  userNanos: number;
  /** CPU time in kernel mode. */
  systemNanos: number;
  /** CFS periods that elapsed with runnable tasks (0 without a quota). */
  periods: number;
  /** Periods in which the cgroup was throttled. */
  throttledPeriods: number;
  /** Total time the cgroup was throttled. */
  throttledNanos: number;
}

/** Memory usage (v1 memory.*; v2 memory.current/stat/events). */
export interface MemoryStats {
  /** Charged memory (v1 `memory.usage_in_bytes`, v2 `memory.current`). */
  usageBytes: number;
  /** Usage minus inactive file pages, floored at 0: the kubelet's working set. */
  workingSetBytes: number;
  /** Anonymous memory (v1 `total_rss`, v2 `anon`). */
  rssBytes: number;
  /** Page cache (v1 `total_cache`, v2 `file`). */
  cacheBytes: number;
  /** Swap in use (v1 `total_swap`, v2 `memory.swap.current`), when accounted. */
  swapBytes?: number;
  /** The hard limit, -1 for none. */
  limitBytes: number;
  /** Page faults (minor and major). */
  pageFaults: number;
  /** Major page faults. */
  majorPageFaults: number;
  /** Processes killed by the OOM killer in this cgroup. */
  oomKills: number;
  /** Times the cgroup hit its limit and the OOM path ran (v2 `memory.events` oom only). */
  oomEvents?: number;
}

/** Task counts (pids controller). */
export interface PidsStats {
  /** Tasks in the cgroup and its descendants. */
  current: number;
  /** The limit, -1 for none. */
  limit: number;
}

/** Block I/O totals over all devices (v1 blkio throttle counters; v2 io.stat). */
export interface IoStats {
  /** Bytes read. */
  readBytes: number;
  /** Bytes written. */
  writeBytes: number;
  /** Read operations. */
  readOps: number;
  /** Write operations. */
  writeOps: number;
}

/** One line of a pressure file. */
export interface PressureLine {
  /** Share of time stalled over the last 10 s, in percent. */
  avg10: number;
  /** Over the last 60 s. */
  avg60: number;
  /** Over the last 300 s. */
  avg300: number;
  /** Total stall time in microseconds. */
  totalMicros: number;
}

/** A pressure file: `some` tasks stalled, and (except cpu on older kernels) `full`. */
export interface Pressure {
  /** Some tasks were stalled. */
  some: PressureLine;
  /** All non-idle tasks were stalled at once. */
  full?: PressureLine;
}

/** PSI for cpu, memory and io. */
export interface PressureStats {
  /** `cpu.pressure`. */
  cpu?: Pressure;
  /** `memory.pressure`. */
  memory?: Pressure;
  /** `io.pressure`. */
  io?: Pressure;
}

/** Parse a flat keyed file (`key value` per line) such as `memory.stat` or `cpu.stat`. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = len;
    const sp = text.indexOf(' ', start);
    if (sp !== -1 && sp < end) out.set(text.slice(start, sp), Number(text.slice(sp + 1, end)));
    start = end + 1;
  }
  return out;
}

/** Parse a PSI file (`some avg10=0.00 avg60=0.00 avg300=0.00 total=0` and `full ...`). */
export function parsePressure(text: string): Pressure | undefined {
  let some: PressureLine | undefined;
  let full: PressureLine | undefined;
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    const kv = new Map(fields.map((f) => f.split('=') as [string, string]));
    const entry: PressureLine = {
      avg10: Number(kv.get('avg10') ?? 0),
      avg60: Number(kv.get('avg60') ?? 0),
      avg300: Number(kv.get('avg300') ?? 0),
      totalMicros: Number(kv.get('total') ?? 0),
    };
    if (kind === 'some') some = entry;
    else full = entry;
  }
  if (!some) return undefined;
  return full ? { some, full } : { some };
}

/** Sum a v1 blkio `io_service_bytes`/`io_serviced` file (`8:0 Read 123` lines) by direction. */
export function parseV1BlkioTotals(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    const n = Number(parts[2]);
    if (parts[1] === 'Read') read += n;
    else if (parts[1] === 'Write') write += n;
  }
  return { read, write };
}

/** Sum a v2 `io.stat` file (`8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...`) over devices. */
export function parseV2IoStat(text: string): IoStats {
  const io: IoStats = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = field.split('=');
      const n = Number(v);
      if (!Number.isFinite(n)) continue;
      if (k === 'rbytes') io.readBytes += n;
      else if (k === 'wbytes') io.writeBytes += n;
      else if (k === 'rios') io.readOps += n;
      else if (k === 'wios') io.writeOps += n;
    }
  }
  return io;
}

/** The kubelet's working set: usage minus inactive file pages, never below 0. */
export function workingSet(usage: number, inactiveFile: number | undefined): number {
  return Math.max(0, usage - (inactiveFile ?? 0));
}
