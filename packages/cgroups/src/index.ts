/**
 * @capstan/cgroups — Linux cgroups for node agents and runtimes.
 *
 * - {@link detectCgroupMounts}: v1, hybrid or unified, and where each hierarchy is mounted.
 * - {@link createCgroupManager}: one {@link CgroupManager} interface over a v1 backend
 *   ({@link CgroupV1Manager}) and a v2 backend ({@link CgroupV2Manager}), with one resource
 *   model ({@link LinuxResources}, the OCI runtime spec's) and the standard conversions
 *   ({@link cpuSharesToWeight}, {@link formatCpuMax}...): create, update, delete, kill,
 *   processes, freeze, stats with PSI, and OOM / threshold events without polling.
 * - {@link PodCgroupHierarchy}: the kubelet's `kubepods` / QoS / `pod<uid>` tree with
 *   cgroupfs or systemd naming, Node Allocatable on the root, and Kubernetes' QoS rules
 *   ({@link computePodQos}, {@link podCgroupResources}).
 * - Typed errors ({@link InvalidArgumentError}, {@link CgroupPopulatedError}...).
 *
 * @packageDocumentation
 */

export { type CgroupFileSystem, type CgroupFileWatch, nodeCgroupFs } from './cgroup-fs.js';
export {
  cgroupPathComponents,
  joinCgroupPath,
  normalizeCgroupPath,
  validateCgroupName,
} from './cgroup-path.js';
export { formatCpuset, parseCpuset } from './cpuset.js';
export {
  AlreadyExistsError,
  CgroupError,
  CgroupPopulatedError,
  ControllerMissingError,
  DeadlineExceededError,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  isAlreadyExists,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInvalidArgument,
  isNotFound,
  isUnavailable,
  NotFoundError,
  UnavailableError,
  UnimplementedError,
} from './errors.js';
export { type CgroupLogger, silentLogger } from './logger.js';
export type {
  CgroupManager,
  CgroupManagerBaseOptions,
  CgroupVersion,
  CreateOptions,
  FreezeState,
  ProcessesOptions,
  WaitOptions,
} from './manager.js';
export { type CreateCgroupManagerOptions, createCgroupManager } from './manager-create.js';
export {
  CgroupV1Manager,
  type CgroupV1ManagerOptions,
  DEFAULT_V1_CONTROLLERS,
} from './manager-v1.js';
export {
  CgroupV2Manager,
  type CgroupV2ManagerOptions,
  DEFAULT_V2_CONTROLLERS,
} from './manager-v2.js';
export { type MemoryEvent, MemoryEventWatcher, type MemoryWatchOptions } from './memory-events.js';
export {
  type CgroupMode,
  type CgroupMount,
  type CgroupMounts,
  detectCgroupMounts,
  parseCgroupMounts,
} from './mount-info.js';
export {
  computeNodeAllocatable,
  type NodeAllocatable,
  type NodeAllocatableConfig,
  type NodeAmounts,
  type NodeResourceAmounts,
} from './node-allocatable.js';
export {
  type PodCgroup,
  PodCgroupHierarchy,
  type PodCgroupHierarchyOptions,
} from './pod-hierarchy.js';
export { type CgroupDriver, PodCgroupNaming, validatePodUid } from './pod-naming.js';
export {
  aggregatePodResources,
  hugePageSizeName,
  milliCpuToQuota,
  milliCpuToShares,
  type PodCgroupResourceOptions,
  type PodCgroupResources,
  podCgroupResources,
  type ResourceTotals,
} from './pod-resources.js';
export {
  type ContainerResourcesSpec,
  computePodQos,
  defaultedRequests,
  type PodResourcesSpec,
  type QosClass,
  type ResourceRequirements,
} from './qos.js';
export { parseQuantityNanos, type Quantity, quantityMilli, quantityValue } from './quantity.js';
export type {
  LinuxBlockIO,
  LinuxCpu,
  LinuxHugepageLimit,
  LinuxMemory,
  LinuxPids,
  LinuxResources,
} from './resources.js';
export {
  blkioWeightToIoWeight,
  cpuSharesToWeight,
  cpuWeightToShares,
  DEFAULT_CFS_PERIOD_US,
  formatCpuMax,
  ioWeightToBlkioWeight,
  memorySwapToV2,
  parseCpuMax,
} from './resources-convert.js';
export { MAX_CPU_SHARES, MIN_CPU_SHARES, validateResources } from './resources-validate.js';
export type {
  CgroupStats,
  CpuStats,
  IoStats,
  MemoryStats,
  PidsStats,
  Pressure,
  PressureLine,
  PressureStats,
} from './stats.js';
