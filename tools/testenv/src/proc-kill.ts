import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './proc-scan.js';

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    // ESRCH: already gone. Anything else (EPERM) is a real problem for the caller.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Polls until none of the PIDs is alive (zombies count as gone) or the timeout passes. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every((pid) => !isAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/**
 * Sends `first` (SIGTERM by default) to every PID, waits up to `graceMs`, then SIGKILLs
 * the survivors and waits for them. Throws if a process outlives SIGKILL (it is stuck
 * in the kernel, e.g. in a frozen cgroup).
 */
export async function killAndWait(
  pids: readonly number[],
  opts: { graceMs?: number; first?: NodeJS.Signals } = {},
): Promise<void> {
  const live = pids.filter(isAlive);
  if (live.length === 0) return;
  const first = opts.first ?? 'SIGTERM';
  for (const pid of live) signal(pid, first);
  if (first === 'SIGKILL' || !(await waitGone(live, opts.graceMs ?? 5_000))) {
    for (const pid of live.filter(isAlive)) signal(pid, 'SIGKILL');
    if (!(await waitGone(live, 10_000))) {
      throw new Error(`processes survived SIGKILL: ${live.filter(isAlive).join(', ')}`);
    }
  }
}
