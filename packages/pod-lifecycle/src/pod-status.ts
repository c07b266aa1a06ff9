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
  return { waiting: { reason: 'ContainerCreating' } };
}

/** A container status as Kubernetes reports it. */
export function containerStatus(v: ContainerView, runtime: string): ContainerStatus {
  const [latest, previous] = v.instances;
  const state: ContainerState = v.waiting
    ? { waiting: v.waiting }
    : (stateOf(latest, runtime) ?? { waiting: { reason: 'ContainerCreating' } });
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
  const statuses = app.map((v) => containerStatus(v, extra.runtime));
  const initStatuses = init.map((v) => containerStatus(v, extra.runtime));
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
  const notReadyReason = 'ContainersNotReady';
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', extra.sandboxReady, prev),
      condition('Initialized', extra.initDone, prev, 'ContainersNotInitialized'),
      condition('Ready', allReady, prev, notReadyReason),
      condition('ContainersReady', allReady, prev, notReadyReason),
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
