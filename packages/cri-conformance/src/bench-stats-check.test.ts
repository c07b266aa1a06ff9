import type { ContainerStats, PodSandboxStats } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { checkStats } from './bench-stats-check.js';

const NOW = 1_800_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const container = (ageMs: number, cpu: number, mem: number) =>
  ({
    attributes: undefined,
    cpu: { timestamp: ns(NOW - ageMs), usageCoreNanoSeconds: { value: BigInt(cpu) } },
    memory: { timestamp: ns(NOW - ageMs), workingSetBytes: { value: BigInt(mem) } },
  }) as unknown as ContainerStats;

describe('checkStats', () => {
  it('counts container entries with figures and the age of their samples', () => {
    const c = checkStats(
      [container(100, 5, 0), container(9000, 0, 4096), container(50, 0, 0)],
      NOW,
    );
    expect(c.withData).toBe(2);
    expect(c.ageP50Ms).toBe(100);
    expect(c.ageMaxMs).toBe(9000);
  });
  it('reads pod sandbox stats from their linux part', () => {
    const pod = {
      attributes: undefined,
      linux: {
        cpu: { timestamp: ns(NOW - 20), usageCoreNanoSeconds: { value: 1n } },
        containers: [],
      },
    } as unknown as PodSandboxStats;
    expect(checkStats([pod, { attributes: undefined } as PodSandboxStats], NOW)).toEqual({
      withData: 1,
      ageP50Ms: 20,
      ageMaxMs: 20,
    });
  });
  it('is NaN-aged for no entries', () => {
    expect(checkStats([], NOW).ageP50Ms).toBeNaN();
  });
});
