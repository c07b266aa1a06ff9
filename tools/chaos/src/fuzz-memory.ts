// Resident memory of a server's processes, from /proc, and what a garbage-collected server
// retains after a full GC (through its inspector), at the start and the end of a fuzz run.
import { readFileSync } from 'node:fs';
import { type FuzzReport, memoryCeilingKiB } from './report.js';

/** Sum of VmRSS (KiB) over `pids`; a process that is gone counts 0. */
export function rssKiB(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      sum += m ? Number(m[1]) : 0;
    } catch {
      // gone
    }
  }
  return sum;
}

/** True when every PID is a live process (not a zombie). */
export function allAlive(pids: readonly number[]): boolean {
  return (
    pids.length > 0 &&
    pids.every((pid) => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    })
  );
}

/** Waits, then RSS: what a server keeps once a burst of work is over. */
export async function settledRssKiB(pids: () => number[], settleMs = 3_000): Promise<number> {
  await new Promise((r) => setTimeout(r, settleMs));
  return rssKiB(pids());
}

/**
 * RSS once a run is over, waiting up to `maxWaitMs` for it to come down to `targetKiB`:
 * a garbage-collected server (Node's V8) gives freed heap back only when its idle-time GC
 * compacts, tens of seconds after a burst (seen: 197 MB for 35 s, then 151 MB). Returns
 * the lowest RSS seen.
 */
export async function recoveredRssKiB(
  pids: () => number[],
  targetKiB: number,
  maxWaitMs = 90_000,
): Promise<number> {
  const end = Date.now() + maxWaitMs;
  let lowest = await settledRssKiB(pids);
  while (lowest > targetKiB && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 2_000));
    lowest = Math.min(lowest, rssKiB(pids()));
  }
  return lowest;
}

/** How a fuzzer measures the server's memory. */
export interface ServerMemory {
  /** PIDs of the server's processes (RSS, liveness); read again at every check. */
  serverPids: () => number[];
  /**
   * What a garbage-collected server (Node) retains after a full GC (KiB), e.g. through
   * its inspector. When given, the leak verdict uses it instead of RSS, which V8 gives back
   * to the system late or never.
   */
  retainedKiB?: () => Promise<number>;
}

/** The baseline: settled RSS, and the retained memory when the server can tell it. */
export async function memoryBaseline(report: FuzzReport, m: ServerMemory): Promise<void> {
  report.memoryStartKiB = await settledRssKiB(m.serverPids);
  if (m.retainedKiB) report.retainedStartKiB = await m.retainedKiB();
}

/**
 * The figures after the run: the retained memory when the server can tell it (and RSS
 * once settled), otherwise RSS once it came back to the ceiling or 90 s passed.
 */
export async function memoryAtEnd(report: FuzzReport, m: ServerMemory): Promise<void> {
  if (m.retainedKiB && report.retainedStartKiB !== undefined) {
    report.memoryEndKiB = await settledRssKiB(m.serverPids);
    report.retainedEndKiB = await m.retainedKiB();
    return;
  }
  report.memoryEndKiB = await recoveredRssKiB(
    m.serverPids,
    memoryCeilingKiB(report.memoryStartKiB),
  );
}
