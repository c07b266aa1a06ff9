/**
 * @capstan/pod-lifecycle — the kubelet's core as a library: what runs a node's pods through
 * any CRI runtime once something has said which pods it should run.
 *
 * - {@link PodLifecycle}: all of it composed (workers, PLEG, probes, housekeeping, eviction,
 *   node conditions) for an agent that only brings pod sources, config and an API.
 * - {@link PodRegistry}: the desired pods and their status, watch events, checkpoints.
 * - {@link PodWorkers} and {@link syncPod}: one serial worker per pod, each sync making the
 *   runtime match the spec in the kubelet's steps: {@link computePodActions} (pure), kill
 *   ({@link killPod}, {@link killContainers}), {@link createSandbox},
 *   {@link startInitContainer}, {@link startContainers}.
 * - {@link Prober}: startup, liveness and readiness probes; {@link Backoff}: the restart
 *   back-off; {@link admit}: the kubelet's admission reasons.
 * - Building blocks: {@link sandboxConfig} and {@link containerConfig} (CRI configs),
 *   {@link containerEnv} (environments), {@link setUpVolumes}, {@link ensureImage},
 *   {@link collectImages} (image GC), {@link podStatus}; {@link GenericPleg} and
 *   {@link followContainerEvents} (PLEG), {@link startHousekeeping}, {@link startEviction};
 *   {@link readMachineInfo} and {@link describeNode}: the Node object from the machine;
 *   {@link ResourceSampler} and {@link podMetrics} / {@link nodeMetrics}: metrics.k8s.io usage.
 * - Events: {@link EventStore} (the kubelet's recorder with client-go's correlation, a bound
 *   and a TTL) that the lifecycle records Pulling, Created, Started, BackOff, Killing,
 *   Unhealthy, node condition changes... into; {@link nodeConditions} and
 *   {@link NodeConditionTracker} word the node's conditions as the kubelet does.
 *
 * @packageDocumentation
 */

export {
  containerConfig,
  containerHash,
  cpuMillis,
  memoryBytes,
  podResources,
  sandboxConfig,
} from './cri-config.js';
export { EventStore, type EventStoreOptions, type EventWatchType } from './event-store.js';
export {
  containerRef,
  discardEvents,
  type EventRecorder,
  type EventType,
  formatPod,
  type KubeEvent,
  nodeRef,
  type ObjectRef,
  podRef,
} from './events.js';
export {
  type EvictionWiringOptions,
  type LifecycleCgroups,
  type LifecycleEvictionOptions,
  startEviction,
} from './eviction-wiring.js';
export {
  type ContainerLogRotator,
  type HousekeepingOptions,
  startHousekeeping,
} from './housekeeping.js';
export {
  collectImages,
  type ImageGcOptions,
  type ImageGcRuntime,
  sandboxImages,
} from './image-gc.js';
export {
  type EnsureImageHooks,
  ensureImage,
  ImagePullError,
  type ImagePullRuntime,
  type PullCredentialOptions,
  podLogins,
  pullImage,
  pullPolicy,
} from './image-pull.js';
export { type LocalKind, localObjectDir, localObjects } from './local-objects.js';
export { type LifecycleLogger, silentLogger } from './logger.js';
export {
  type NodeConditionInput,
  NodeConditionTracker,
  nodeConditions,
  type RuntimeConditionLike,
  runtimeCondition,
} from './node-conditions.js';
export { goArch, type MachineInfo, memTotalBytes, readMachineInfo } from './node-machine.js';
export { describeNode, type NodeStatusInput } from './node-status.js';
export { type EventedPlegOptions, followContainerEvents } from './pleg-evented.js';
export { GenericPleg, type GenericPlegOptions } from './pleg-generic.js';
export { type AdmitCapacity, admit } from './pod-admission.js';
export {
  containerEnv,
  type EnvContext,
  EnvError,
  expandVars,
  fieldValue,
  resourceValue,
} from './pod-env.js';
export { type LifecycleMetrics, PodLifecycle, type PodLifecycleOptions } from './pod-lifecycle.js';
export {
  ANN_CONTAINER_HASH,
  ANN_INIT,
  ANN_RESTART_COUNT,
  keyOf,
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  nsOf,
  podLogDir,
} from './pod-naming.js';
export {
  type PodCheckpoints,
  type PodEntry,
  type PodEvent,
  PodRegistry,
  type PodSource,
} from './pod-registry.js';
export { type ContainerView, containerStatus, podStatus } from './pod-status.js';
export { admitSysctls, SAFE_SYSCTLS } from './pod-sysctls.js';
/** The subset of Kubernetes' core/v1 Pod and Node objects the lifecycle reads and writes. */
export type * from './pod-types.js';
export { PodWorkers } from './pod-workers.js';
export { Prober } from './probe-manager.js';
export { type ProbeOutput, type ProbeRuntime, runProbe } from './probe-run.js';
export {
  type ContainerMetrics,
  cgroupSample,
  containerSample,
  cpuQuantity,
  goDuration,
  memoryQuantity,
  type NodeMetrics,
  nodeMetrics,
  type PodMetrics,
  podMetrics,
  type ResourceUsage,
  type UsageSample,
  usageBetween,
} from './resource-metrics.js';
export { ResourceSampler, type ResourceSamplerOptions } from './resource-sampler.js';
export { Backoff } from './restart-backoff.js';
export { verifyRunAsNonRoot } from './run-as-non-root.js';
export type { LifecycleRuntime } from './runtime-client.js';
export { type RuntimePod, runtimePod } from './runtime-pod.js';
export {
  type ContainerToKill,
  computePodActions,
  isTerminal,
  type PodActions,
  type SyncActions,
  shouldRestart,
} from './sync-actions.js';
export type { SyncDeps } from './sync-deps.js';
export {
  killContainers,
  killEvictedPod,
  killPod,
  killRuntimePod,
  stopContainer,
} from './sync-kill.js';
export { syncPod } from './sync-pod.js';
export { createSandbox, podSandboxConfig } from './sync-sandbox.js';
export {
  pruneDead,
  type StartContext,
  startContainer,
  startContainers,
  startInitContainer,
} from './sync-start.js';
export {
  mountsFor,
  setUpVolumes,
  tearDownVolumes,
  VolumeError,
  type VolumeOptions,
} from './volume-setup.js';
