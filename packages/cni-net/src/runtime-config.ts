import { InvalidRequestError } from './errors.js';
import type { PluginConfig } from './network-config.js';

/** A host port forwarded to a pod port (capability `portMappings`, the portmap plugin). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** Default `tcp`. */
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** Only this host address; default all. */
  hostIP?: string;
}

/** Traffic shaping (capability `bandwidth`, the bandwidth plugin): rates in bit/s, bursts in bits. */
export interface BandwidthLimits {
  ingressRate?: number;
  ingressBurst?: number;
  egressRate?: number;
  egressBurst?: number;
}

/** An address range for IPAM (capability `ipRanges`, host-local). */
export interface IpRange {
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
}

/** Resolver settings for the pod (capability `dns`). */
export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

/**
 * Runtime data offered to plugins through `runtimeConfig`. Each key reaches only the
 * plugins whose configuration declares the capability of the same name (libcni's rule).
 */
export interface CapabilityArgs {
  portMappings?: PortMapping[];
  bandwidth?: BandwidthLimits;
  /** A list of range sets, one set per IPAM range (`[[{subnet}]]`). */
  ipRanges?: IpRange[][];
  dns?: DnsConfig;
  /** A fixed MAC address for the container interface (capability `mac`, tuning/bridge). */
  mac?: string;
  /** Static addresses (capability `ips`, host-local/static). */
  ips?: string[];
  /** Any other capability, passed through as given. */
  [capability: string]: unknown;
}

/** The Kubernetes pod a sandbox belongs to; sent in CNI_ARGS as K8S_POD_* keys. */
export interface PodIdentity {
  namespace: string;
  name: string;
  uid?: string;
  /** The sandbox (infra container) ID; defaults to the request's container ID. */
  infraContainerId?: string;
}

/** The `runtimeConfig` object for one plugin, or undefined when nothing applies to it. */
export function runtimeConfigFor(
  plugin: PluginConfig,
  args: CapabilityArgs | undefined,
): Record<string, unknown> | undefined {
  if (!args) return undefined;
  const rc: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities)) {
    if (enabled && args[cap] !== undefined) rc[cap] = args[cap];
  }
  return Object.keys(rc).length > 0 ? rc : undefined;
}

const ARG_KEY = /^[A-Za-z0-9_]+$/;

/**
 * The CNI_ARGS pairs for a request, in order: `IgnoreUnknown=1` (so plugins that do not
 * know a key, like host-local, do not fail, as kubelet and containerd send it), the pod's
 * K8S_POD_NAMESPACE / NAME / INFRA_CONTAINER_ID / UID, then the caller's own pairs.
 */
export function cniArgPairs(
  containerId: string,
  pod: PodIdentity | undefined,
  extra: Readonly<Record<string, string>> | undefined,
): [string, string][] {
  const pairs: [string, string][] = [['IgnoreUnknown', '1']];
  if (pod) {
    pairs.push(['K8S_POD_NAMESPACE', pod.namespace], ['K8S_POD_NAME', pod.name]);
    pairs.push(['K8S_POD_INFRA_CONTAINER_ID', pod.infraContainerId ?? containerId]);
    if (pod.uid !== undefined) pairs.push(['K8S_POD_UID', pod.uid]);
  }
  for (const [k, v] of Object.entries(extra ?? {})) {
    const at = pairs.findIndex(([key]) => key === k);
    if (at >= 0) pairs.splice(at, 1);
    pairs.push([k, v]);
  }
  for (const [k, v] of pairs) {
    if (!ARG_KEY.test(k))
      throw new InvalidRequestError(`invalid CNI_ARGS key ${JSON.stringify(k)}`);
    if (/[;=]/.test(v)) {
      throw new InvalidRequestError(
        `invalid CNI_ARGS value for ${k}: ${JSON.stringify(v)} contains ';' or '='`,
      );
    }
  }
  return pairs;
}

/** Joins pairs into the CNI_ARGS string: `K1=V1;K2=V2`. */
export const formatCniArgs = (pairs: readonly (readonly [string, string])[]): string =>
  pairs.map(([k, v]) => `${k}=${v}`).join(';');
