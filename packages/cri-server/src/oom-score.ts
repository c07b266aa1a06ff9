import { readFileSync } from 'node:fs';

/** The oom_score_adj of a process (this one by default); 0 when it cannot be read. */
export function currentOomScoreAdj(pid: number | 'self' = 'self'): number {
  try {
    return Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/**
 * containerd's `restrict_oom_score_adj`: never ask for an oom_score_adj below the current
 * one. Without CAP_SYS_RESOURCE (this VM, user namespaces, some sandboxes) even root
 * cannot lower it, and runc fails the start ("can't get final child's PID from pipe").
 * Values are clamped to the kernel's range [-1000, 1000].
 */
export function restrictOomScoreAdj(wanted: number, floor: number | undefined): number {
  const clamped = Math.max(-1000, Math.min(1000, wanted));
  return floor === undefined ? clamped : Math.max(clamped, floor);
}
