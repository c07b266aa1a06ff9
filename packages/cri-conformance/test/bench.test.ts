import type {} from '@capstan/testenv/vitest';
import { expect, inject, it } from 'vitest';
import { benchMarkdown, runBenchmark, runtimeRss, STEPS } from '../src/index.js';

// The benchmark machinery on a small scale against the reference runtime; the real figures
// come from `capstan-cri-bench` (README), not from this test.

const env = inject('testenv');

it('measures every lifecycle step and a small density run', async () => {
  const endpoint = env.networkedContainerd.address;
  expect(runtimeRss(endpoint)).toBeGreaterThan(1024 * 1024);
  const report = await runBenchmark({
    endpoints: [{ name: 'containerd', endpoint }],
    image: env.images.busybox.ref,
    rounds: 2,
    density: 3,
  });
  const r = report.results[0]!;
  for (const step of STEPS) {
    expect(r.steps[step].n, step).toBe(2);
    expect(r.steps[step].p50, step).toBeGreaterThan(0);
  }
  expect(r.density?.pods).toBe(3);
  expect(r.density?.allRunningMs).toBeGreaterThan(0);
  expect(r.density?.rssBytesAt).toBeGreaterThan(0);
  const md = benchMarkdown(report);
  expect(md).toMatch(/\| CreateContainer \| [\d.]+ \|/);
  expect(md).toContain('time to all running');
});
