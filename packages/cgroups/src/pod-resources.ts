import {
  type ContainerResourcesSpec,
  computePodQos,
  defaultedRequests,
  type PodResourcesSpec,
  type QosClass,
} from './qos.js';
import { parseQuantityNanos, type Quantity } from './quantity.js';
import type { LinuxHugepageLimit, LinuxResources } from './resources.js';
import { DEFAULT_CFS_PERIOD_US } from './resources-convert.js';
import { MAX_CPU_SHARES, MIN_CFS_US, MIN_CPU_SHARES } from './resources-validate.js';

/** A resource list in nano-units (exact). */
export type ResourceTotals = Map<string, bigint>;

const NANO_PER_MILLI = 1_000_000n;
const NANO = 1_000_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * The kubelet's `MilliCPUToShares`: 1024 shares per CPU, at least 2 (0 milli -> 2), at most
 * 262144.
 */
export function milliCpuToShares(milliCpu: number): number {
  if (milliCpu === 0) return MIN_CPU_SHARES;
  const shares = Math.floor((milliCpu * 1024) / 1000);
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, shares));
}

/** The kubelet's `MilliCPUToQuota`: 0 for no limit, else milli * period / 1000, at least 1000 us. */
export function milliCpuToQuota(
  milliCpu: number,
  periodUs: number = DEFAULT_CFS_PERIOD_US,
): number {
  if (milliCpu === 0) return 0;
  return Math.max(MIN_CFS_US, Math.floor((milliCpu * periodUs) / 1000));
}

function toTotals(list: Record<string, Quantity> | undefined, field: string): ResourceTotals {
  const out: ResourceTotals = new Map();
  for (const [name, q] of Object.entries(list ?? {}))
    out.set(name, parseQuantityNanos(q, `${field}.${name}`));
  return out;
}
function add(into: ResourceTotals, from: ResourceTotals): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0n) + v);
}
function max(into: ResourceTotals, from: ResourceTotals): void {
  for (const [k, v] of from) if (v > (into.get(k) ?? 0n)) into.set(k, v);
}

const isSidecar = (c: ContainerResourcesSpec) => c.restartPolicy === 'Always';

/**
 * The pod's effective requests or limits, as Kubernetes aggregates them (`PodRequests` /
 * `PodLimits`): the sum over app containers and sidecars, or the largest init-container
 * footprint (an init container plus the sidecars started before it) if that is larger;
 * plus the pod overhead. `onContainer` sees each container's (for init containers:
 * cumulative) list, which is how the kubelet learns whether every container declared a limit.
 */
export function aggregatePodResources(
  pod: Pick<PodResourcesSpec, 'containers' | 'initContainers' | 'overhead'>,
  which: 'requests' | 'limits',
  onContainer?: (list: ResourceTotals) => void,
): ResourceTotals {
  const pick = (c: ContainerResourcesSpec) =>
    which === 'requests' ? defaultedRequests(c) : (c.resources?.limits ?? {});
  const total: ResourceTotals = new Map();
  pod.containers.forEach((c, i) => {
    const list = toTotals(pick(c), `containers[${i}].${which}`);
    onContainer?.(list);
    add(total, list);
  });
  const sidecars: ResourceTotals = new Map();
  const initMax: ResourceTotals = new Map();
  (pod.initContainers ?? []).forEach((c, i) => {
    const own = toTotals(pick(c), `initContainers[${i}].${which}`);
    let footprint: ResourceTotals;
    if (isSidecar(c)) {
      add(total, own);
      add(sidecars, own);
      footprint = new Map(sidecars);
    } else {
      footprint = new Map(own);
      add(footprint, sidecars);
    }
    onContainer?.(footprint);
    max(initMax, footprint);
  });
  max(total, initMax);
  if (pod.overhead) add(total, toTotals(pod.overhead, 'overhead'));
  return total;
}

/** `hugepages-2Mi` -> `2MB`, as the kubelet names hugetlb files from resource names. */
export function hugePageSizeName(resource: string): string | undefined {
  const m = /^hugepages-(.+)$/.exec(resource);
  if (!m?.[1]) return undefined;
  let bytes = ceilDiv(parseQuantityNanos(m[1], `resource ${resource}`), NANO);
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  while (bytes >= 1024n && bytes % 1024n === 0n && u < units.length - 1) {
    bytes /= 1024n;
    u += 1;
  }
  return `${bytes}${units[u]}`;
}

/** Options of {@link podCgroupResources}. */
export interface PodCgroupResourceOptions {
  /** CFS period in microseconds (kubelet `--cpu-cfs-quota-period`, default 100000). */
  cpuPeriodUs?: number;
  /** Set CFS quotas from limits (kubelet `--cpu-cfs-quota`, default true). */
  enforceCpuLimits?: boolean;
}

/** The resources of a pod cgroup, and the QoS class they follow from. */
export interface PodCgroupResources {
  /** The pod's QoS class. */
  qos: QosClass;
  /** What to set on the pod cgroup. */
  resources: LinuxResources;
}

/**
 * The pod-level cgroup resources, as the kubelet's `ResourceConfigForPod` computes them:
 * shares from summed cpu requests; for Guaranteed pods quota/period and memory limit from
 * limits; for Burstable pods quota/period only when every container has a cpu limit and a
 * memory limit only when every container has one; BestEffort pods get 2 shares. Huge page
 * limits come from huge page requests.
 *
 * @throws {InvalidArgumentError} when a quantity is malformed or negative.
 */
export function podCgroupResources(
  pod: PodResourcesSpec,
  options: PodCgroupResourceOptions = {},
): PodCgroupResources {
  const period = options.cpuPeriodUs ?? DEFAULT_CFS_PERIOD_US;
  const qos = computePodQos(pod);
  const requests = aggregatePodResources(pod, 'requests');
  let cpuLimitsDeclared = true;
  let memoryLimitsDeclared = true;
  const limits = aggregatePodResources(pod, 'limits', (list) => {
    if ((list.get('cpu') ?? 0n) === 0n) cpuLimitsDeclared = false;
    if ((list.get('memory') ?? 0n) === 0n) memoryLimitsDeclared = false;
  });
  const milli = (v: bigint | undefined) => Number(ceilDiv(v ?? 0n, NANO_PER_MILLI));
  const bytes = (v: bigint | undefined) => Number(ceilDiv(v ?? 0n, NANO));
  const shares = milliCpuToShares(milli(requests.get('cpu')));
  const quota =
    options.enforceCpuLimits === false ? -1 : milliCpuToQuota(milli(limits.get('cpu')), period);
  const memoryLimit = bytes(limits.get('memory'));
  const resources: LinuxResources = {};
  if (qos === 'Guaranteed') {
    resources.cpu = { shares, quota, period };
    resources.memory = { limit: memoryLimit };
  } else if (qos === 'Burstable') {
    resources.cpu = { shares };
    if (cpuLimitsDeclared) Object.assign(resources.cpu, { quota, period });
    if (memoryLimitsDeclared) resources.memory = { limit: memoryLimit };
  } else {
    resources.cpu = { shares: MIN_CPU_SHARES };
  }
  const huge: LinuxHugepageLimit[] = [];
  for (const [name, v] of requests) {
    const size = hugePageSizeName(name);
    if (size) huge.push({ pageSize: size, limit: bytes(v) });
  }
  if (huge.length) resources.hugepageLimits = huge;
  return { qos, resources };
}
