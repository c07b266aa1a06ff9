import { InvalidArgumentError } from './errors.js';
import { milliCpuToShares } from './pod-resources.js';
import { type Quantity, quantityMilli, quantityValue } from './quantity.js';
import type { LinuxResources } from './resources.js';

/** Amounts of the node resources the hierarchy enforces. */
export interface NodeResourceAmounts {
  /** CPU (`4`, `3500m`). */
  cpu?: Quantity;
  /** Memory (`16Gi`). */
  memory?: Quantity;
  /** Process ids. */
  pids?: Quantity;
}

/** Inputs of the node allocatable computation (kubelet flags in parentheses). */
export interface NodeAllocatableConfig {
  /** What the node has; cpu and memory required. */
  capacity: NodeResourceAmounts & { cpu: Quantity; memory: Quantity };
  /** Reserved for Kubernetes daemons (`--kube-reserved`). */
  kubeReserved?: NodeResourceAmounts;
  /** Reserved for OS daemons (`--system-reserved`). */
  systemReserved?: NodeResourceAmounts;
  /** The hard eviction threshold on `memory.available` (`--eviction-hard`): a quantity or `10%`. */
  hardEvictionMemory?: Quantity | `${number}%`;
  /**
   * Also subtract the hard eviction threshold from the `kubepods` memory limit. The kubelet
   * does not (`enforceNodeAllocatableCgroups` uses capacity minus reservations, so eviction
   * can act before the kernel OOM-kills at the cgroup limit); default false.
   */
  evictionThresholdInCgroupLimit?: boolean;
}

/** Resource amounts in the units cgroups use. */
export interface NodeAmounts {
  /** CPU in millicores. */
  cpuMilli: number;
  /** Memory in bytes. */
  memoryBytes: number;
  /** Process ids, when configured. */
  pids?: number;
}

/** The result of {@link computeNodeAllocatable}. */
export interface NodeAllocatable {
  /** Node Allocatable as reported to the scheduler: capacity - kube - system - hard eviction. */
  allocatable: NodeAmounts;
  /** What is enforced on the `kubepods` cgroup. */
  cgroupLimit: NodeAmounts;
  /** `cgroupLimit` as cgroup resources: cpu shares, memory limit, pids limit. */
  resources: LinuxResources;
}

/**
 * Compute Node Allocatable the kubelet's way: per resource, capacity minus kube-reserved
 * minus system-reserved (floored at 0) is what the `kubepods` cgroup gets (cpu as shares,
 * memory as the limit, pids as pids.max); the allocatable reported to the scheduler also
 * subtracts the hard eviction threshold for memory.
 *
 * @throws {InvalidArgumentError} when reservations exceed capacity (as kubelet's
 *   `validateNodeAllocatable`) or a quantity is malformed.
 */
export function computeNodeAllocatable(cfg: NodeAllocatableConfig): NodeAllocatable {
  const cap = {
    cpuMilli: quantityMilli(cfg.capacity.cpu, 'capacity.cpu'),
    memoryBytes: quantityValue(cfg.capacity.memory, 'capacity.memory'),
    pids:
      cfg.capacity.pids === undefined
        ? undefined
        : quantityValue(cfg.capacity.pids, 'capacity.pids'),
  };
  const reserved = (key: keyof NodeResourceAmounts, toUnits: (q: Quantity, f: string) => number) =>
    ['kubeReserved', 'systemReserved'].reduce((sum, section) => {
      const q = cfg[section as 'kubeReserved' | 'systemReserved']?.[key];
      return sum + (q === undefined ? 0 : toUnits(q, `${section}.${key}`));
    }, 0);
  const resCpu = reserved('cpu', quantityMilli);
  const resMem = reserved('memory', quantityValue);
  const resPids = reserved('pids', quantityValue);
  let eviction = 0;
  const he = cfg.hardEvictionMemory;
  if (he !== undefined) {
    if (typeof he === 'string' && he.endsWith('%')) {
      const pct = Number(he.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100)
        throw new InvalidArgumentError(`hardEvictionMemory ${he} is not a percentage in 0..100`);
      eviction = Math.ceil((cap.memoryBytes * pct) / 100);
    } else {
      eviction = quantityValue(he, 'hardEvictionMemory');
    }
  }
  const over: string[] = [];
  if (resCpu > cap.cpuMilli) over.push(`cpu: reserved ${resCpu}m > capacity ${cap.cpuMilli}m`);
  if (resMem + eviction > cap.memoryBytes)
    over.push(
      `memory: reserved ${resMem + eviction} (with eviction) > capacity ${cap.memoryBytes}`,
    );
  if (cap.pids !== undefined && resPids > cap.pids)
    over.push(`pids: reserved ${resPids} > capacity ${cap.pids}`);
  if (over.length)
    throw new InvalidArgumentError(`invalid node allocatable configuration: ${over.join('; ')}`);
  const floor0 = (n: number) => Math.max(0, n);
  const limit: NodeAmounts = {
    cpuMilli: floor0(cap.cpuMilli - resCpu),
    memoryBytes: floor0(
      cap.memoryBytes - resMem - (cfg.evictionThresholdInCgroupLimit ? eviction : 0),
    ),
  };
  const allocatable: NodeAmounts = {
    cpuMilli: limit.cpuMilli,
    memoryBytes: floor0(cap.memoryBytes - resMem - eviction),
  };
  if (cap.pids !== undefined) {
    limit.pids = floor0(cap.pids - resPids);
    allocatable.pids = limit.pids;
  }
  const resources: LinuxResources = {
    cpu: { shares: milliCpuToShares(limit.cpuMilli) },
    memory: { limit: limit.memoryBytes },
  };
  if (limit.pids !== undefined) resources.pids = { limit: limit.pids };
  return { allocatable, cgroupLimit: limit, resources };
}
