import type { ContainerStats, CpuUsage, MemoryUsage, PodSandboxStats } from '@capstan/cri-api';
import { distribution } from './bench-stats.js';

/** What a stats answer held: a fast answer must not be an empty or a stale one. */
export interface StatsCheck {
  /** Entries with CPU or memory figures above zero. */
  withData: number;
  /** Age of the entries' CPU/memory sample (now − its timestamp), p50 and max, ms. */
  ageP50Ms: number;
  ageMaxMs: number;
}

const num = (v: { value: bigint | number } | undefined) => Number(v?.value ?? 0);

function usage(cpu: CpuUsage | undefined, mem: MemoryUsage | undefined) {
  const has = num(cpu?.usageCoreNanoSeconds) > 0 || num(mem?.workingSetBytes) > 0;
  const ts = Number(cpu?.timestamp ?? mem?.timestamp ?? 0);
  return { has, ts };
}

/**
 * Checks a ListContainerStats or ListPodSandboxStats answer received at `nowMs` (epoch
 * ms): how many entries carry figures, and how old their samples are (a runtime may answer
 * from a cache refreshed in the background; the age shows it). Timestamps are ns.
 */
export function checkStats(
  entries: readonly (ContainerStats | PodSandboxStats)[],
  nowMs: number,
): StatsCheck {
  let withData = 0;
  const ages: number[] = [];
  for (const e of entries) {
    const u =
      'linux' in e
        ? usage(e.linux?.cpu, e.linux?.memory)
        : usage(e.cpu, (e as ContainerStats).memory);
    if (u.has) withData++;
    if (u.ts > 0) ages.push(Math.max(0, nowMs - u.ts / 1e6));
  }
  const d = distribution(ages);
  return { withData, ageP50Ms: d.p50, ageMaxMs: d.max };
}
