import { computePodQos } from '@capstan/cgroups';
import {
  type Container as CriContainer,
  ContainerState as CriState,
  type ContainerStatus as CriStatus,
} from '@capstan/cri-api';
import { podResources } from './cri-config.js';
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from './pod-types.js';

/** What the sync knows about one container name of a pod. */
export interface ContainerView {
  spec: Container;
  /** Newest first: every CRI container of this name in the pod. */
  instances: { container: CriContainer; status: CriStatus | undefined }[];
  /** Set while the container cannot start (ErrImagePull, CrashLoopBackOff, ...). */
  waiting?: { reason: string; message: string };
  ready: boolean;
  started: boolean;
}

const iso = (ns: bigint | undefined) =>
  ns && ns > 0n ? new Date(Number(ns / 1_000_000n)).toISOString() : undefined;

function stateOf(
  i: ContainerView['instances'][number] | undefined,
  runtime: string,
  waitingReason = 'ContainerCreating',
): ContainerState | undefined {
  if (!i?.status) return undefined;
  const s = i.status;
  if (s.state === CriState.CONTAINER_RUNNING) return { running: { startedAt: iso(s.startedAt)! } };
  if (s.state === CriState.CONTAINER_EXITED || s.state === CriState.CONTAINER_UNKNOWN) {
    return {
      terminated: {
        exitCode: s.exitCode,
        reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
        ...(s.message ? { message: s.message } : {}),
        ...(iso(s.startedAt) ? { startedAt: iso(s.startedAt)! } : {}),
        ...(iso(s.finishedAt) ? { finishedAt: iso(s.finishedAt)! } : {}),
        containerID: `${runtime}://${s.id}`,
      },
    };
  }
  return { waiting: { reason: waitingReason } };
}

/**
 * A container status as Kubernetes reports it. A container not created yet waits in
 * ContainerCreating, or PodInitializing in a pod with init containers (the kubelet's
 * default waiting state).
 */
export function containerStatus(
  v: ContainerView,
  runtime: string,
  hasInitContainers = false,
): ContainerStatus {
  const [latest, previous] = v.instances;
  const waitingReason = hasInitContainers ? 'PodInitializing' : 'ContainerCreating';
  const state: ContainerState = v.waiting
    ? { waiting: v.waiting }
    : (stateOf(latest, runtime, waitingReason) ?? { waiting: { reason: waitingReason } });
  const restartCount = latest
    ? Number(latest.container.annotations['io.kubernetes.container.restartCount'] ?? 0)
    : 0;
  const lastState = v.waiting && latest ? stateOf(latest, runtime) : stateOf(previous, runtime);
  return {
    name: v.spec.name,
    state,
    lastState: lastState ?? {},
    ready: v.ready && !!state.running,
    started: v.started && !!state.running,
    restartCount,
    image: v.spec.image,
    imageID: latest?.status?.imageRef ?? '',
    ...(latest ? { containerID: `${runtime}://${latest.container.id}` } : {}),
  };
}

function condition(
  type: PodCondition['type'],
  ok: boolean,
  prev: PodStatus | undefined,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const old = prev?.conditions?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime:
      old && old.status === status ? old.lastTransitionTime! : new Date().toISOString(),
    ...(ok || !reason ? {} : { reason }),
    ...(ok || !message ? {} : { message }),
  };
}

/** The pod's phase, conditions and container statuses (the kubelet's getPhase rules). */
export function podStatus(
  pod: Pod,
  init: ContainerView[],
  app: ContainerView[],
  extra: {
    podIP?: string;
    hostIP?: string;
    runtime: string;
    sandboxReady: boolean;
    initDone: boolean;
    failedReason?: string;
  },
): PodStatus {
  const prev = pod.status;
  const hasInit = init.length > 0;
  const statuses = app.map((v) => containerStatus(v, extra.runtime, hasInit));
  const initStatuses = init.map((v) => containerStatus(v, extra.runtime, hasInit));
  const policy = pod.spec.restartPolicy ?? 'Always';
  let running = 0;
  let waiting = 0;
  let succeeded = 0;
  let failed = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) s.state.terminated.exitCode === 0 ? succeeded++ : failed++;
    else if (
      s.lastState.terminated &&
      (policy === 'Always' || (policy === 'OnFailure' && s.lastState.terminated.exitCode !== 0))
    )
      running++;
    else waiting++;
  }
  let phase: PodStatus['phase'];
  if (extra.failedReason) phase = 'Failed';
  else if (!extra.initDone || waiting > 0) phase = 'Pending';
  else if (running > 0) phase = 'Running';
  else if (succeeded + failed === statuses.length) {
    phase =
      policy === 'Always'
        ? 'Running'
        : failed === 0
          ? 'Succeeded'
          : policy === 'Never'
            ? 'Failed'
            : 'Running';
  } else phase = 'Pending';
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  // The kubelet's GenerateContainersReadyCondition and GeneratePodInitializedCondition:
  // Go prints the names as a slice, `[a b]`; a Succeeded pod is PodCompleted.
  const completed = phase === 'Succeeded';
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const readyWhy =
    completed || phase === 'Failed'
      ? { reason: completed ? 'PodCompleted' : 'PodFailed', message: undefined }
      : {
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${unready.join(' ')}]`,
        };
  const incomplete = initStatuses
    .filter((s) => s.state.terminated?.exitCode !== 0)
    .map((s) => s.name);
  const initWhy = completed
    ? { reason: 'PodCompleted', message: undefined }
    : {
        reason: 'ContainersNotInitialized',
        message: `containers with incomplete status: [${incomplete.join(' ')}]`,
      };
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', extra.sandboxReady, prev),
      {
        ...condition(
          'Initialized',
          extra.initDone || completed,
          prev,
          initWhy.reason,
          initWhy.message,
        ),
        ...(completed ? { reason: 'PodCompleted' } : {}),
      },
      condition('Ready', allReady, prev, readyWhy.reason, readyWhy.message),
      condition('ContainersReady', allReady, prev, readyWhy.reason, readyWhy.message),
      condition('PodScheduled', true, prev),
    ],
    ...(extra.failedReason ? { reason: extra.failedReason } : {}),
    ...(extra.hostIP ? { hostIP: extra.hostIP } : {}),
    ...(extra.podIP ? { podIP: extra.podIP, podIPs: [{ ip: extra.podIP }] } : {}),
    startTime: prev?.startTime ?? new Date().toISOString(),
    ...(init.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: computePodQos(podResources(pod)),
  };
}
