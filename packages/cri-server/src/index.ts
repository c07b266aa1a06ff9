/**
 * @capstan/cri-server — the runtime-independent CRI core. A runtime implements
 * {@link RuntimeBackend}; this package owns IDs, name reservation, CRI state machines,
 * idempotency and ordering, log paths, durable state (recovered after `kill -9`), per-call
 * logging and latency metrics, the streaming server behind Exec, Attach and PortForward
 * (@capstan/streaming, when the backend implements its optional streaming methods), and
 * serves it all over CRI.
 *
 * It also holds the CRI logic every runtime shares, whatever its mechanism: security
 * context resolution (capabilities, seccomp, user, masked paths), sysctl checks, resource
 * validation, OOM score, sandbox files (hosts, resolv.conf, hostname), the CNI pod network
 * and cgroup-based stats. A runtime translates their neutral results into its own terms.
 *
 * @packageDocumentation
 */

export type { ExecExit, StreamIO } from '@capstan/streaming';
export type {
  ContainerLiveState,
  ContainerRecord,
  ContainerRunState,
  ContainerSpec,
  ImageBackend,
  PodNetwork,
  RuntimeBackend,
  SandboxRecord,
  SandboxSpec,
} from './backend.js';
export { resolveLogPath } from './container-create.js';
export type { LifecycleEvent } from './core.js';
export { CappedSink, EXEC_OUTPUT_CAP, processTree } from './exec-output.js';
export { matchId, newId } from './ids.js';
export { type Logger, silentLogger } from './logger.js';
export { type DialOptions, dialInNetns, forwardPort } from './netns-portforward.js';
export {
  CniPodNetwork,
  type CniPodNetworkOptions,
  capabilitiesOf,
  netnsInode,
} from './network-cni.js';
export { currentOomScoreAdj, restrictOomScoreAdj } from './oom-score.js';
export { containerName, sandboxName } from './records.js';
export type { RecoveryReport } from './recovery.js';
export {
  containerOomScoreAdj,
  type LinuxResourceLimits,
  linuxResources,
} from './resources-linux.js';
export {
  checkHostname,
  hostsFile,
  removeSandboxFiles,
  resolvConf,
  type SandboxFiles,
  sandboxFilesOf,
  writeSandboxFiles,
} from './sandbox-files.js';
export {
  ALL_CAPABILITIES,
  capabilitySet,
  DEFAULT_CAPABILITIES,
  nodeCapabilities,
  normalizeCapability,
} from './security-capabilities.js';
export {
  hostDevices,
  type ResolvedSecurity,
  resolveContainerSecurity,
  resolveSeccomp,
  type SeccompChoice,
  userSpec,
} from './security-context.js';
export {
  ALL_NAMESPACED_SYSCTLS,
  checkSysctls,
  sysctlAllowed,
  sysctlNamespace,
} from './security-sysctls.js';
export {
  createRuntimeService,
  type RuntimeService,
  type RuntimeServiceOptions,
  serveRuntime,
} from './server.js';
export {
  CgroupStatsCache,
  cgroupOfPid,
  networkUsage,
  sumUsage,
  type Usage,
} from './stats-cgroup.js';
export { parseStreamingAddress, type StreamingOptions } from './streaming-ops.js';
