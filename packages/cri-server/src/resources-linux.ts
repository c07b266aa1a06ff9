import { InvalidArgumentError, type LinuxContainerResources } from '@capstan/cri-api';
import { restrictOomScoreAdj } from './oom-score.js';

/** A container's CRI Linux resources, validated, in plain numbers (absent: not set). */
export interface LinuxResourceLimits {
  cpuShares?: number;
  /** CFS quota in µs per period (only positive quotas; 0 and -1 mean no limit). */
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryLimit?: number;
  /**
   * Memory + swap: the CRI swap limit when given, else equal to the memory limit (no
   * swap for the container, as the kubelet expects).
   */
  memorySwap?: number;
}

const CPUSET = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$/;

function num(v: bigint, what: string): number {
  if (v < 0n) throw new InvalidArgumentError(`${what} ${v} is negative`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidArgumentError(`${what} ${v} is too large`);
  return Number(v);
}

/**
 * CRI Linux resources, validated: CPU shares, CFS quota (at least the kernel's 1000 µs)
 * and period, cpusets, memory and swap. Zero means "not set" throughout, as in the CRI.
 * Hugepage limits and `unified` (cgroup v2) keys are not converted.
 */
export function linuxResources(r: LinuxContainerResources | undefined): LinuxResourceLimits {
  if (!r) return {};
  const out: LinuxResourceLimits = {};
  if (r.cpuShares) out.cpuShares = num(r.cpuShares, 'cpu_shares');
  if (r.cpuQuota) {
    if (r.cpuQuota > 0n && r.cpuQuota < 1000n)
      throw new InvalidArgumentError(
        `cpu_quota ${r.cpuQuota} is below the kernel's minimum of 1000 µs`,
      );
    if (r.cpuQuota > 0n) out.cpuQuota = num(r.cpuQuota, 'cpu_quota');
  }
  if (r.cpuPeriod) out.cpuPeriod = num(r.cpuPeriod, 'cpu_period');
  if (r.cpusetCpus) {
    if (!CPUSET.test(r.cpusetCpus))
      throw new InvalidArgumentError(
        `cpuset_cpus ${JSON.stringify(r.cpusetCpus)} is not a cpu list`,
      );
    out.cpusetCpus = r.cpusetCpus;
  }
  if (r.cpusetMems) {
    if (!CPUSET.test(r.cpusetMems))
      throw new InvalidArgumentError(
        `cpuset_mems ${JSON.stringify(r.cpusetMems)} is not a node list`,
      );
    out.cpusetMems = r.cpusetMems;
  }
  if (r.memoryLimitInBytes) {
    out.memoryLimit = num(r.memoryLimitInBytes, 'memory_limit_in_bytes');
    out.memorySwap = r.memorySwapLimitInBytes
      ? num(r.memorySwapLimitInBytes, 'memory_swap_limit_in_bytes')
      : out.memoryLimit;
  }
  return out;
}

/** The container's OOM score adjustment, never below `floor` (see restrictOomScoreAdj). */
export function containerOomScoreAdj(
  r: LinuxContainerResources | undefined,
  floor: number | undefined,
): number {
  return restrictOomScoreAdj(Number(r?.oomScoreAdj ?? 0n), floor);
}
