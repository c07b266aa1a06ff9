/**
 * @capstan/cni-net — a CNI driver for container runtimes written for Node.
 *
 * - {@link CniDriver}: ADD / DEL / CHECK / STATUS / GC against the real CNI plugins, with
 *   prevResult threading, runtimeConfig capabilities, K8S_POD_* CNI_ARGS, a per-call
 *   timeout, typed plugin errors, an on-disk result cache (libcni's format), and
 *   `teardown({ force })` that never blocks on a broken network.
 * - {@link loadNetworkConfigs} / {@link NetworkConfigWatcher}: libcni's configuration
 *   directory rules, malformed files reported and skipped, new files picked up.
 * - {@link NetnsManager}: named, persistent network namespaces (`ip netns` layout).
 * - {@link defaultPodNetwork} / {@link writeDefaultPodNetwork}: a node's kubenet-style
 *   default pod network (bridge + host-local + loopback + portmap + bandwidth).
 *
 * @packageDocumentation
 */

export {
  type AddRequest,
  type CallOptions,
  CniDriver,
  type CniDriverOptions,
  type DelOutcome,
  type DelRequest,
} from './cni-driver.js';
export type { GcReport, GcRequest, ValidAttachment } from './cni-gc.js';
export {
  type CniDns,
  type CniInterface,
  type CniIpConfig,
  type CniResult,
  type CniRoute,
  convertResult,
  type PodIp,
  parseCniResult,
  podIps,
} from './cni-result.js';
export {
  CNI_SPEC_VERSION,
  compareCniVersions,
  SUPPORTED_CNI_VERSIONS,
} from './cni-version.js';
export {
  type LoadedNetworkConfigs,
  loadNetworkConfigFile,
  loadNetworkConfigs,
} from './config-load.js';
export { NetworkConfigWatcher, type NetworkConfigWatcherOptions } from './config-watch.js';
export {
  type DefaultPodNetworkOptions,
  defaultPodNetwork,
  writeDefaultPodNetwork,
} from './default-network.js';
export {
  AttachmentNotFoundError,
  CacheError,
  CNI_ERROR_CODES,
  type CniErrorKind,
  CniNetError,
  ConfigError,
  IncompatibleVersionError,
  InvalidRequestError,
  isAlreadyExists,
  isCniNetError,
  isDeadlineExceeded,
  isNotFound,
  isUnavailable,
  NetnsCommandError,
  NetnsExistsError,
  NetnsNotFoundError,
  NoNetworkConfigError,
  type PluginCall,
  PluginCancelledError,
  PluginError,
  PluginNotFoundError,
  PluginOutputError,
  PluginTimeoutError,
  TeardownError,
} from './errors.js';
export { type CniLogger, silentLogger } from './logger.js';
export {
  DEFAULT_NETNS_DIR,
  isNetns,
  NetnsManager,
  type NetnsManagerOptions,
  type NetworkNamespace,
} from './netns.js';
export {
  type ConfigFormat,
  type NetworkConfigList,
  type PluginConfig,
  parseNetworkConfig,
} from './network-config.js';
export { type CniCommand, PluginRunner, type RuntimeConf } from './plugin-runner.js';
export type { TeardownRequest } from './pod-teardown.js';
export { type AttachmentKey, type CachedAttachment, ResultCache } from './result-cache.js';
export type {
  BandwidthLimits,
  CapabilityArgs,
  DnsConfig,
  IpRange,
  PodIdentity,
  PortMapping,
} from './runtime-config.js';
export type { TeardownFailure, TeardownReport } from './teardown-report.js';
