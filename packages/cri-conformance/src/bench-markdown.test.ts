import { describe, expect, it } from 'vitest';
import { benchMarkdown, densityTable, lifecycleTable, mdTable } from './bench-markdown.js';
import { summarize } from './bench-memory.js';
import { distribution, growth } from './bench-stats.js';
import { type BenchReport, type DensityResult, STEPS, type Step } from './bench-types.js';

const MiB = 1024 * 1024;
const steps = (ms: number) =>
  Object.fromEntries(STEPS.map((s) => [s, distribution([ms, ms * 2])])) as Record<
    Step,
    ReturnType<typeof distribution>
  >;
const dens = (scale: number, shims: number): DensityResult => {
  const idle = summarize('cgroup', [
    { pid: 1, comm: 'containerd', rssBytes: 40 * MiB, pssBytes: 20 * MiB },
  ]);
  const at = summarize('cgroup', [
    { pid: 1, comm: 'containerd', rssBytes: 50 * MiB, pssBytes: 25 * MiB },
    ...Array.from({ length: shims }, (_, i) => ({
      pid: 10 + i,
      comm: 'containerd-shim',
      rssBytes: 10 * scale * MiB,
      pssBytes: 3 * scale * MiB,
    })),
  ]);
  const starts = Array.from({ length: 10 }, (_, i) => (100 + i * 10) * scale);
  return {
    pods: 10,
    concurrency: 8,
    allRunningMs: 1000 * scale,
    podStartMs: distribution(starts),
    growth: growth(starts),
    memoryIdle: idle,
    memoryAt: at,
    perPod: {
      rssBytes: (at.rssBytes - idle.rssBytes) / 10,
      pssBytes: (at.pssBytes - idle.pssBytes) / 10,
    },
    listContainersMs: distribution([1 * scale]),
    listPodSandboxMs: distribution([1 * scale]),
    listContainerStatsMs: distribution([5 * scale]),
    listPodSandboxStatsMs: distribution([]),
    errors: scale === 1 ? {} : { listPodSandboxStats: 'UNIMPLEMENTED: nope' },
    listItems: { listContainers: 10, listContainerStats: 10 },
    teardownMs: 500 * scale,
  };
};
const report: BenchReport = {
  startedAt: '2026-12-07T02:00:00.000Z',
  rounds: 2,
  density: 10,
  results: [
    { name: 'a', endpoint: 'unix:///a', runtime: 'A 1', steps: steps(10), density: dens(1, 10) },
    { name: 'b', endpoint: 'unix:///b', runtime: 'B 2', steps: steps(15), density: dens(2, 20) },
  ],
};

describe('bench tables', () => {
  it('renders a markdown table', () => {
    expect(mdTable(['x', 'y'], [['1', '2']])).toBe('| x | y |\n| --- | --- |\n| 1 | 2 |');
  });
  it('gives p50/p90/p99 per runtime and p50/p99 ratios to the first', () => {
    const t = lifecycleTable(report).split('\n');
    expect(t[0]).toBe('| step (ms) | a p50 | p90 | p99 | b p50 | p90 | p99 | b/a p50 | p99 |');
    expect(t).toContain(
      '| CreateContainer | 10.0 | 20.0 | 20.0 | 15.0 | 30.0 | 30.0 | 1.50x | 1.50x |',
    );
    expect(t.some((l) => l.startsWith('| pod start (sandbox+create+start) |'))).toBe(true);
  });
  it('gives memory idle, at N and per pod in RSS and PSS, growth and stats latency', () => {
    const t = densityTable(report);
    expect(t).toContain('| runtime RSS idle (MiB) | 40.0 | 40.0 | 1.00x |');
    // a: (50 + 10*10 - 40) / 10 = 11 MiB per pod; b: (50 + 20*20 - 40) / 10 = 41.
    expect(t).toContain('| runtime RSS per pod (MiB) | 11.0 | 41.0 | 3.73x |');
    expect(t).toContain('| runtime PSS per pod (MiB) | 3.50 | 12.5 | 3.57x |');
    expect(t).toContain('| cost growth, last 10% vs first 10% | +90% | +90% |  |');
    expect(t).toContain('| ListContainerStats p50 (ms) | 5.00 | 10.0 | 2.00x |');
    expect(t).toContain('| ListPodSandboxStats p50 (ms) | n/a | n/a | n/a |');
  });
  it('lists the processes counted and the RPCs that failed', () => {
    const md = benchMarkdown(report);
    expect(md).toContain(
      "- a (the stack's cgroup): idle 1 containerd; at 10 pods 10 containerd-shim, 1 containerd",
    );
    expect(md).toContain('  - listPodSandboxStats failed: UNIMPLEMENTED: nope');
    expect(md).toContain(
      '  - entries returned at density: listContainers 10, listContainerStats 10',
    );
  });
});
