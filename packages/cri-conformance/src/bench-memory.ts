import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Memory of one process of a runtime stack. */
export interface ProcessMemory {
  pid: number;
  /** /proc/<pid>/comm, e.g. `containerd-shim`. */
  comm: string;
  /** VmRSS from /proc/<pid>/status. */
  rssBytes: number;
  /** Pss from /proc/<pid>/smaps_rollup: shared pages divided among their users. */
  pssBytes: number;
}

/** Processes of one `comm` in a sample: how many, and their sums. */
export interface CommGroup {
  comm: string;
  count: number;
  rssBytes: number;
  pssBytes: number;
}

/** One look at every process a runtime stack has. */
export interface MemorySample {
  /**
   * `cgroup`: the stack's `cgroup.procs` (every process the kernel says is in the stack's
   * own cgroup); `socket`: the fallback heuristic (see {@link socketProcesses}).
   */
  source: 'cgroup' | 'socket';
  rssBytes: number;
  pssBytes: number;
  /** By comm, largest RSS first. */
  groups: CommGroup[];
}

/** VmRSS in bytes from the text of /proc/<pid>/status (0 for a kernel thread or zombie). */
export function parseStatusRss(status: string): number {
  return Number(/^VmRSS:\s*(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Pss in bytes from the text of /proc/<pid>/smaps_rollup (0 when absent). */
export function parseSmapsPss(rollup: string): number {
  return Number(/^Pss:\s*(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
}

/** PIDs listed in a cgroup's `cgroup.procs`. */
export function cgroupPids(cgroupDir: string): number[] {
  return readFileSync(join(cgroupDir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/**
 * Memory of one process from `procRoot` (default /proc); undefined when it ended while we
 * looked. Both files are read for every process, so RSS and PSS count the same set.
 */
export function processMemory(pid: number, procRoot = '/proc'): ProcessMemory | undefined {
  try {
    const base = join(procRoot, String(pid));
    const status = readFileSync(join(base, 'status'), 'utf8');
    const rollup = readFileSync(join(base, 'smaps_rollup'), 'utf8');
    const comm = displayName(readFileSync(join(base, 'comm'), 'utf8').trim(), base);
    return { pid, comm, rssBytes: parseStatusRss(status), pssBytes: parseSmapsPss(rollup) };
  } catch {
    return undefined;
  }
}

/**
 * Node names its main thread `MainThread`, and the process's comm with it: name such a
 * process after its executable (argv[0]) instead, e.g. `node`.
 */
function displayName(comm: string, procDir: string): string {
  if (comm !== 'MainThread') return comm;
  try {
    const argv0 = readFileSync(join(procDir, 'cmdline'), 'utf8').split('\0')[0] ?? '';
    return argv0.split('/').at(-1) || comm;
  } catch {
    return comm;
  }
}

/** Sums the processes and groups them by comm. */
export function summarize(source: MemorySample['source'], procs: ProcessMemory[]): MemorySample {
  const groups = new Map<string, CommGroup>();
  let rssBytes = 0;
  let pssBytes = 0;
  for (const p of procs) {
    rssBytes += p.rssBytes;
    pssBytes += p.pssBytes;
    const g = groups.get(p.comm) ?? { comm: p.comm, count: 0, rssBytes: 0, pssBytes: 0 };
    g.count++;
    g.rssBytes += p.rssBytes;
    g.pssBytes += p.pssBytes;
    groups.set(p.comm, g);
  }
  return {
    source,
    rssBytes,
    pssBytes,
    groups: [...groups.values()].sort((a, b) => b.rssBytes - a.rssBytes),
  };
}

/**
 * Every process in a runtime stack's cgroup (`cgroupDir/cgroup.procs`), with their RSS
 * and PSS summed. `procRoot` is for tests (a fixture dir shaped like /proc).
 */
export function cgroupMemory(cgroupDir: string, procRoot = '/proc'): MemorySample {
  const procs = cgroupPids(cgroupDir)
    .map((pid) => processMemory(pid, procRoot))
    .filter((p): p is ProcessMemory => p !== undefined);
  return summarize('cgroup', procs);
}

/** `3 containerd-shim, 1 containerd`: the processes a sample counted. */
export function describeGroups(sample: MemorySample): string {
  return sample.groups.map((g) => `${g.count} ${g.comm}`).join(', ');
}
