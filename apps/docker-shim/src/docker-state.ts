import type { ContainerLiveState } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { dockerTimeToNs } from './log-format.js';

/**
 * A Docker container's state as the CRI sees it. Exit reasons as the kubelet knows them:
 * `OOMKilled` (Docker's State.OOMKilled, from the kernel's OOM event), `Completed` for
 * exit code 0, `Error` otherwise; a container Docker could not start is `ContainerCannotRun`
 * (as dockershim had it) with Docker's error as the message and its creation time as both
 * start and finish (the kubelet wants times on an exited container).
 */
export function containerLiveState(info: Docker.ContainerInspectInfo): ContainerLiveState {
  const s = info.State;
  const startedAt = dockerTimeToNs(s.StartedAt);
  const finishedAt = dockerTimeToNs(s.FinishedAt);
  const times = { ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}) };
  if (s.Running || s.Paused || s.Restarting) return { state: 'running', ...times };
  if (s.Status === 'created') {
    // A failed start leaves Docker's container "created" with its error and an exit code.
    if (s.ExitCode === 0 && !s.Error) return { state: 'created' };
    const at = dockerTimeToNs(info.Created);
    return {
      state: 'exited',
      ...(at ? { startedAt: at, finishedAt: at } : {}),
      exitCode: s.ExitCode || 128,
      reason: 'ContainerCannotRun',
      message: s.Error ?? '',
    };
  }
  const reason = s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error';
  return {
    state: 'exited',
    ...times,
    exitCode: s.ExitCode,
    reason,
    message: s.Error ?? '',
  };
}
