import type { LinuxContainerResources } from '@capstan/cri-api';
import { linuxResources } from '@capstan/cri-server';

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

/**
 * CRI Linux resources (validated by cri-server's `linuxResources`) as Docker's fields.
 * Hugepage limits and `unified` (cgroup v2) keys have no Engine API 1.41 field and are
 * ignored (README: what it does not do).
 */
export function dockerResources(r: LinuxContainerResources | undefined): DockerResources {
  const l = linuxResources(r);
  const out: DockerResources = {};
  if (l.cpuShares !== undefined) out.CpuShares = l.cpuShares;
  if (l.cpuQuota !== undefined) out.CpuQuota = l.cpuQuota;
  if (l.cpuPeriod !== undefined) out.CpuPeriod = l.cpuPeriod;
  if (l.cpusetCpus !== undefined) out.CpusetCpus = l.cpusetCpus;
  if (l.cpusetMems !== undefined) out.CpusetMems = l.cpusetMems;
  if (l.memoryLimit !== undefined) out.Memory = l.memoryLimit;
  if (l.memorySwap !== undefined) out.MemorySwap = l.memorySwap;
  return out;
}
