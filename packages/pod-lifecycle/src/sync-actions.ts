import { ContainerState as CriState, PodSandboxState } from '@capstan/cri-api';
import { containerHash } from './cri-config.js';
import { ANN_CONTAINER_HASH, LABEL_CONTAINER_NAME } from './pod-naming.js';
import type { PodEntry } from './pod-registry.js';
import type { Pod } from './pod-types.js';
import type { RuntimePod } from './runtime-pod.js';

/** A running container to kill, and why (a failed probe, a changed spec). */
export interface ContainerToKill {
  name: string;
  containerId: string;
  reason: string;
}

/** What one sync of a live pod does, step by step (the kubelet's podActions). */
export interface SyncActions {
  kind: 'sync';
  /** No ready sandbox: every old one stops and a new one starts with this attempt number. */
  createSandbox: { attempt: number } | undefined;
  /** The ready sandbox kept (undefined when one is created). */
  sandboxId: string | undefined;
  /** The init container to start now: the first that has not succeeded, when it may start. */
  initToStart: string | undefined;
  /** Every init container succeeded in the current sandbox. */
  initDone: boolean;
  /** Set when the pod failed for good (an init container failed under restartPolicy Never). */
  failedReason?: 'InitContainerFailed';
  /** Running containers to kill; each restarts afterwards when the restart policy says so. */
  containersToKill: ContainerToKill[];
  /** App containers to start (absent from the sandbox, or exited and due a restart). */
  containersToStart: string[];
  /** Created but never started: started now. */
  containersToResume: { name: string; containerId: string }[];
  /** Running and kept: their probes run. */
  containersRunning: { name: string; containerId: string }[];
  /** Exited (restarted or not): their probes stop and restart requests are forgotten. */
  containersExited: string[];
}

/**
 * What a sync does with a pod, from its entry and what the runtime holds:
 * - `kill-orphan`: the pod is unknown (deleted while the agent was away): remove it all;
 * - `delete`: graceful deletion is under way;
 * - `evict`: the pod was evicted: stop everything, keep it Failed;
 * - `keep-terminal`: it finished and its sandbox is gone: nothing to do;
 * - `sync`: make the runtime match the spec ({@link SyncActions}).
 */
export type PodActions =
  | { kind: 'kill-orphan' }
  | { kind: 'delete' }
  | { kind: 'evict' }
  | { kind: 'keep-terminal' }
  | SyncActions;

/** Whether an exited container starts again under the pod's restart policy. */
export function shouldRestart(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** A finished pod: Succeeded or Failed (its missing containers never start again). */
export const isTerminal = (pod: Pod) =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * The kubelet's computePodActions: pure, from the pod's entry (undefined when unknown), its
 * runtime state and the restart requests of failed probes (`${uid}/${name}` -> reason).
 */
export function computePodActions(
  entry: PodEntry | undefined,
  rt: RuntimePod,
  restartRequests: ReadonlyMap<string, string> = new Map(),
): PodActions {
  if (!entry) return { kind: 'kill-orphan' };
  if (entry.deleting) return { kind: 'delete' };
  if (entry.evicted) return { kind: 'evict' };
  const pod = entry.pod;
  const uid = pod.metadata.uid!;
  const terminal = isTerminal(pod);
  const sandbox = rt.sandboxes.find((s) => s.state === PodSandboxState.SANDBOX_READY);
  if (!sandbox && terminal) return { kind: 'keep-terminal' };
  const actions: SyncActions = {
    kind: 'sync',
    // A new sandbox means every container starts again in it (the kubelet does the same).
    createSandbox: sandbox ? undefined : { attempt: rt.sandboxes.length },
    sandboxId: sandbox?.id,
    initToStart: undefined,
    initDone: true,
    containersToKill: [],
    containersToStart: [],
    containersToResume: [],
    containersRunning: [],
    containersExited: [],
  };
  // The instance of a container in the current sandbox (none in a sandbox to be created).
  const current = (name: string) => {
    const c = sandbox
      ? rt.containers.find(
          (x) => x.labels[LABEL_CONTAINER_NAME] === name && x.podSandboxId === sandbox.id,
        )
      : undefined;
    return c && { container: c, status: rt.statuses.get(c.id) };
  };

  // Init containers, in order: each must succeed before the next starts.
  for (const spec of pod.spec.initContainers ?? []) {
    const cur = current(spec.name);
    if (!cur) {
      actions.initToStart = spec.name;
      actions.initDone = false;
      break;
    }
    const s = cur.status;
    if (s?.state === CriState.CONTAINER_EXITED && s.exitCode === 0) continue;
    actions.initDone = false;
    if (s?.state === CriState.CONTAINER_EXITED) {
      if ((pod.spec.restartPolicy ?? 'Always') === 'Never')
        actions.failedReason = 'InitContainerFailed';
      else actions.initToStart = spec.name;
    }
    break;
  }
  if (!actions.initDone || actions.failedReason) return actions;

  for (const spec of pod.spec.containers) {
    const cur = current(spec.name);
    if (!cur) {
      if (!terminal) actions.containersToStart.push(spec.name);
      continue;
    }
    const s = cur.status;
    const containerId = cur.container.id;
    if (s?.state === CriState.CONTAINER_RUNNING) {
      const reason =
        restartRequests.get(`${uid}/${spec.name}`) ??
        (cur.container.annotations[ANN_CONTAINER_HASH] !== containerHash(spec)
          ? 'spec changed'
          : undefined);
      if (reason) actions.containersToKill.push({ name: spec.name, containerId, reason });
      else actions.containersRunning.push({ name: spec.name, containerId });
      continue;
    }
    if (s?.state === CriState.CONTAINER_CREATED) {
      actions.containersToResume.push({ name: spec.name, containerId });
      continue;
    }
    actions.containersExited.push(spec.name);
    if (shouldRestart(pod, s?.exitCode ?? 0)) actions.containersToStart.push(spec.name);
  }
  return actions;
}
