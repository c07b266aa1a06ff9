// Resident memory of a server's processes, from /proc.
import { readFileSync } from 'node:fs';

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
