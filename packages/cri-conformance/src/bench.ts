import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import { removeCgroupTree } from './bench-cgroup-parent.js';
import { densityRun } from './bench-density.js';
import { lifecycleRound, type PodContext } from './bench-lifecycle.js';
import { type Distribution, distribution } from './bench-stats.js';
import {
  type BenchOptions,
  type BenchReport,
  type EndpointResult,
  STEPS,
  type Step,
} from './bench-types.js';

/**
 * Runs the endpoints side by side: every lifecycle round visits each endpoint in turn
 * (A, B, A, B...), and the density run starts the same batch of pods on each in turn, so
 * noise on the machine hits all of them alike.
 */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const rounds = options.rounds ?? 20;
  const density = options.density ?? 100;
  const podNetwork = options.podNetwork ?? true;
  const say = options.onProgress ?? (() => {});
  const cgroupParent = options.cgroupParent ?? `/capstan-cri-bench-${process.pid}`;
  const ctx: PodContext = { dir: mkdtempSync(join(tmpdir(), 'cri-bench-')), cgroupParent };
  const clients: CriClient[] = [];
  try {
    for (const e of options.endpoints)
      clients.push(await connectCriClient(e.endpoint, { deadlineMs: 300_000 }));
    const samples = options.endpoints.map(
      () => Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>,
    );
    const runtimes: string[] = [];
    for (const [i, c] of clients.entries()) {
      const v = await c.runtime.version({ version: 'v1' });
      runtimes[i] = `${v.runtimeName} ${v.runtimeVersion}`;
      await c.image.pullImage({ image: { image: options.image } });
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, c] of clients.entries()) {
        await lifecycleRound(c, options.image, ctx, `${i}-${round}`, podNetwork, samples[i]!);
      }
      say(`lifecycle round ${round + 1}/${rounds}`);
    }
    const results: EndpointResult[] = options.endpoints.map((e, i) => ({
      name: e.name,
      endpoint: e.endpoint,
      runtime: runtimes[i]!,
      steps: Object.fromEntries(STEPS.map((s) => [s, distribution(samples[i]![s])])) as Record<
        Step,
        Distribution
      >,
    }));
    if (density > 0) {
      say(`density: ${density} pods on each runtime, interleaved`);
      const dens = await densityRun(clients, options.endpoints, {
        image: options.image,
        ctx,
        pods: density,
        concurrency: options.concurrency ?? 8,
        podNetwork,
        say,
      });
      for (const [i, d] of dens.entries()) results[i]!.density = d;
    }
    return { startedAt, rounds, density, results };
  } finally {
    for (const c of clients) c.close();
    rmSync(ctx.dir, { recursive: true, force: true });
    const left = removeCgroupTree(cgroupParent);
    if (left.length > 0) say(`cgroups left populated: ${left.join(', ')}`);
  }
}
