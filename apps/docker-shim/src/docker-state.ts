import type { ContainerLiveState } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { dockerTimeToNs } from './log-format.js';

/**
 * A Docker container's state as the CRI sees it. Exit reasons as the kubelet knows them:
 * `OOMKilled` (Docker's State.OOMKilled, from the kernel's OOM event), `Completed` for
 * exit code 0, `Error` otherwise; Docker's own error text (a failed start) is the message.
 */
export function containerLiveState(info: Docker.ContainerInspectInfo): ContainerLiveState {
  const s = info.State;
  const startedAt = dockerTimeToNs(s.StartedAt);
  const finishedAt = dockerTimeToNs(s.FinishedAt);
  const times = { ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}) };
  if (s.Running || s.Paused || s.Restarting) return { state: 'running', ...times };
  if (s.Status === 'created') return { state: 'created' };
  const reason = s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error';
  return {
    state: 'exited',
    ...times,
    exitCode: s.ExitCode,
    reason,
    message: s.Error ?? '',
  };
}
