import { InvalidArgumentError, type LinuxContainerResources } from '@capstan/cri-api';
import { restrictOomScoreAdj } from './oom-score.js';

/** The resource fields of a Docker HostConfig (create and update share them). */
export interface DockerResources {
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Memory?: number;
  MemorySwap?: number;
}

const CPUSET = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$/;

function num(v: bigint, what: string): number {
  if (v < 0n) throw new InvalidArgumentError(`${what} ${v} is negative`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidArgumentError(`${what} ${v} is too large`);
  return Number(v);
}

/**
 * CRI Linux resources as Docker's: CPU shares, CFS quota and period, cpusets, memory.
 * Swap: the CRI swap limit when given, else equal to the memory limit (no swap for the
 * container, as the kubelet expects; Docker would otherwise allow twice the memory).
 * Zero means "not set" throughout, as in the CRI. Hugepage limits and `unified` (cgroup
 * v2) keys have no Engine API 1.41 field and are ignored (README: what it does not do).
 */
export function dockerResources(r: LinuxContainerResources | undefined): DockerResources {
  if (!r) return {};
  const out: DockerResources = {};
  if (r.cpuShares) out.CpuShares = num(r.cpuShares, 'cpu_shares');
  if (r.cpuQuota) {
    if (r.cpuQuota > 0n && r.cpuQuota < 1000n)
      throw new InvalidArgumentError(
        `cpu_quota ${r.cpuQuota} is below the kernel's minimum of 1000 µs`,
      );
    if (r.cpuQuota > 0n) out.CpuQuota = num(r.cpuQuota, 'cpu_quota');
  }
  if (r.cpuPeriod) out.CpuPeriod = num(r.cpuPeriod, 'cpu_period');
  if (r.cpusetCpus) {
    if (!CPUSET.test(r.cpusetCpus))
      throw new InvalidArgumentError(
        `cpuset_cpus ${JSON.stringify(r.cpusetCpus)} is not a cpu list`,
      );
    out.CpusetCpus = r.cpusetCpus;
  }
  if (r.cpusetMems) {
    if (!CPUSET.test(r.cpusetMems))
      throw new InvalidArgumentError(
        `cpuset_mems ${JSON.stringify(r.cpusetMems)} is not a node list`,
      );
    out.CpusetMems = r.cpusetMems;
  }
  if (r.memoryLimitInBytes) {
    out.Memory = num(r.memoryLimitInBytes, 'memory_limit_in_bytes');
    out.MemorySwap = r.memorySwapLimitInBytes
      ? num(r.memorySwapLimitInBytes, 'memory_swap_limit_in_bytes')
      : out.Memory;
  }
  return out;
}

/** The container's OOM score adjustment, never below `floor` (see restrictOomScoreAdj). */
export function dockerOomScoreAdj(
  r: LinuxContainerResources | undefined,
  floor: number | undefined,
): number {
  return restrictOomScoreAdj(Number(r?.oomScoreAdj ?? 0n), floor);
}
