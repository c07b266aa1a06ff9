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
