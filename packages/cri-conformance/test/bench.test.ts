import { createStackCgroup, startContainerd } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { expect, inject, it } from 'vitest';
import { benchMarkdown, runBenchmark, runtimeRss, STEPS } from '../src/index.js';

// The benchmark machinery on a small scale against the reference runtime; the real figures
// come from `capstan-cri-bench` (README), not from this test.

const env = inject('testenv');

it('measures every lifecycle step and a small density run, memory from the stack cgroup', async () => {
  const cg = createStackCgroup('containerd-benchtest');
  const containerd = await startContainerd({
    registryHost: env.registryHost,
    sandboxImage: env.images.pause.ref,
    cgroup: cg.dir,
  });
  try {
    const endpoint = containerd.address;
    expect(runtimeRss(endpoint)).toBeGreaterThan(1024 * 1024);
    const report = await runBenchmark({
      endpoints: [{ name: 'containerd', endpoint, cgroup: cg.dir }],
      image: env.images.busybox.ref,
      rounds: 2,
      density: 3,
      podNetwork: false,
    });
    const r = report.results[0]!;
    for (const step of STEPS) {
      if (step === 'RunPodSandbox (pod network)') continue;
      expect(r.steps[step].n, step).toBe(2);
      expect(r.steps[step].p50, step).toBeGreaterThan(0);
    }
    const d = r.density!;
    expect(d.pods).toBe(3);
    expect(d.podStartMs.n).toBe(3);
    expect(d.memoryAt.source).toBe('cgroup');
    // containerd's CRI runs one shim per pod: the shims are in the daemon's cgroup.
    const shims = d.memoryAt.groups.find((g) => g.comm.startsWith('containerd-shim'));
    expect(shims?.count).toBeGreaterThanOrEqual(3);
    expect(d.memoryAt.rssBytes).toBeGreaterThan(d.memoryIdle.rssBytes);
    expect(d.perPod.pssBytes).toBeGreaterThan(0);
    expect(d.listContainerStatsMs.n).toBe(20);
    const md = benchMarkdown(report);
    expect(md).toMatch(/\| CreateContainer \| [\d.]+ \|/);
    expect(md).toContain('runtime PSS per pod');
    expect(md).toContain('containerd-shim');
  } finally {
    await containerd.stop();
    await cg.remove();
  }
});
