/**
 * @capstan/eviction — the kubelet's node-pressure eviction as a library.
 *
 * - Thresholds in the kubelet's syntax ({@link parseEvictionSettings},
 *   {@link parseThreshold}) with a typed error for every malformed form
 *   ({@link EvictionConfigError} and its subclasses).
 * - A pure decision core: {@link synchronize} (and {@link decideAfterReclaim}) turn
 *   configuration, state, an observation, the pods and the time into node conditions,
 *   reclaim steps and at most one eviction; ranking with {@link rankMemoryPressure},
 *   {@link rankDiskPressure}, {@link rankPidPressure}.
 * - {@link EvictionManager}: the loop around it, woken by kernel memory notifications and a
 *   periodic sweep, with {@link createCgroupStatsProvider} observing cgroups, statfs and
 *   procfs through `@capstan/cgroups`.
 *
 * @packageDocumentation
 */

export {
  CgroupStatsProvider,
  type CgroupStatsProviderOptions,
  createCgroupStatsProvider,
  type PodStoragePaths,
} from './cgroup-stats-provider.js';
export {
  chooseVictim,
  type EvictionBlocked,
  type EvictionDecision,
  formatAmount,
  HARD_EVICTION_GRACE_PERIOD_SECONDS,
} from './decision.js';
export { measureDiskUsage, observeFilesystem } from './disk-usage.js';
export { formatGoDuration, parseGoDuration } from './duration.js';
export {
  DuplicateSignalError,
  EvictionConfigError,
  type EvictionConfigErrorReason,
  type EvictionSetting,
  InvalidDurationError,
  InvalidMinimumReclaimError,
  InvalidPercentageError,
  InvalidQuantityError,
  InvalidSettingError,
  isEvictionConfigError,
  MalformedStatementError,
  MissingGracePeriodError,
  NegativeDurationError,
  NonPositiveThresholdError,
  PercentageOutOfRangeError,
  UnknownSignalError,
} from './errors.js';
export {
  type AfterReclaimResult,
  decideAfterReclaim,
  type EvictionConfig,
  type EvictionState,
  initialEvictionState,
  type SyncInput,
  type SyncResult,
  synchronize,
} from './eviction-core.js';
export {
  type EvictionEvent,
  EvictionManager,
  type EvictionManagerEvents,
  type EvictionManagerOptions,
  type NodeReclaimer,
  type SyncReport,
  type SyncTrigger,
} from './eviction-manager.js';
export { type EvictionLogger, silentLogger } from './logger.js';
export {
  MAX_LADDER,
  type MemoryNotifyLevels,
  type MemorySignal,
  MIN_RUNG_BYTES,
  memoryNotifyLevels,
  memoryPressureNear,
} from './memory-levels.js';
export type { ConditionsObservedAt, NodeConditionChange } from './node-conditions.js';
export type {
  DiskUsage,
  FsObservation,
  MemoryObservation,
  NodeObservation,
  PidObservation,
  PodUsage,
} from './observation.js';
export {
  type EvictablePod,
  isCriticalPod,
  podRequest,
  SYSTEM_CRITICAL_PRIORITY,
} from './pod.js';
export { readMemTotal, readPidObservation } from './proc-stats.js';
export {
  diskStatsFor,
  indexPodUsage,
  type PodDiskStat,
  type PodUsageIndex,
  rankDiskPressure,
  rankForSignal,
  rankMemoryPressure,
  rankPidPressure,
} from './rank.js';
export { RECLAIM_ACTIONS, type ReclaimAction, reclaimActionsFor } from './reclaim-plan.js';
export {
  isSignal,
  NODE_CONDITIONS,
  type NodeConditionType,
  SIGNALS,
  type Signal,
  type StarvedResource,
  signalCondition,
  signalResource,
} from './signal.js';
export {
  hasDedicatedImageFs,
  observeSignals,
  type SignalObservation,
  type SignalObservations,
} from './signal-observe.js';
export type { StatsProvider, WakeReason } from './stats-provider.js';
export {
  formatThreshold,
  isHardThreshold,
  type Threshold,
  type ThresholdValue,
  thresholdQuantity,
} from './threshold.js';
export type { ThresholdsObservedAt } from './threshold-eval.js';
export {
  DEFAULT_EVICTION_HARD,
  DEFAULT_PRESSURE_TRANSITION_PERIOD_MS,
  type EvictionSettings,
  type ParsedEvictionSettings,
  parseEvictionSettings,
  parseThreshold,
  parseThresholds,
  parseThresholdValue,
  type StatementList,
} from './threshold-parse.js';
