import { ContainerState, type CriClient } from '@capstan/cri-api';
import { type PodContext, podConfig, sleeperConfig, time } from './bench-lifecycle.js';
import { cgroupMemory, type MemorySample } from './bench-memory.js';
import { socketMemory } from './bench-socket.js';
import { distribution, growth } from './bench-stats.js';
import { checkStats, type StatsCheck } from './bench-stats-check.js';
import type { BenchEndpoint, DensityResult } from './bench-types.js';

/** Every process of an endpoint's stack: its cgroup when given, else the socket heuristic. */
export function stackMemory(e: BenchEndpoint): MemorySample {
  return e.cgroup !== undefined ? cgroupMemory(e.cgroup) : socketMemory(e.endpoint);
}

export interface DensityOptions {
  image: string;
  ctx: PodContext;
  pods: number;
  concurrency: number;
  podNetwork: boolean;
  /** Samples of each List RPC at density. */
  listSamples?: number;
  say: (line: string) => void;
}

const LISTS = [
  'listContainers',
  'listPodSandbox',
  'listContainerStats',
  'listPodSandboxStats',
] as const;

/**
 * Density, interleaved like the lifecycle rounds: `concurrency` pods start at once on the
 * first endpoint, then the same batch on the next, and so on until every endpoint runs
 * `pods` pods, so the machine's noise and the growing load hit all alike. Memory is taken
 * per stack before the first pod and with all pods running; the List and Stats RPCs are
 * timed at density, one endpoint after the other per sample.
 */
export async function densityRun(
  clients: readonly CriClient[],
  endpoints: readonly BenchEndpoint[],
  o: DensityOptions,
): Promise<DensityResult[]> {
  const ids = endpoints.map(() => [] as string[]);
  const starts = endpoints.map(() => [] as number[]);
  const wall = endpoints.map(() => 0);
  const memoryIdle = endpoints.map(stackMemory);
  const startPod = async (i: number, n: number) => {
    const r = clients[i]!.runtime;
    const cfg = podConfig(o.ctx, `density-${n}`, !o.podNetwork);
    const t0 = performance.now();
    const { podSandboxId } = await r.runPodSandbox({ config: cfg });
    ids[i]!.push(podSandboxId);
    const { containerId } = await r.createContainer({
      podSandboxId,
      config: sleeperConfig(o.image),
      sandboxConfig: cfg,
    });
    await r.startContainer({ containerId });
    starts[i]![n] = performance.now() - t0;
  };
  try {
    let reported = 0;
    for (const batch of batches(o.pods, o.concurrency)) {
      const b = batch[0]!;
      for (const i of endpoints.keys()) {
        const t0 = performance.now();
        try {
          await Promise.all(batch.map((n) => startPod(i, n)));
        } catch (err) {
          throw new Error(
            `density: ${endpoints[i]!.name} failed at pods ${batch[0]}..${batch.at(-1)} of ` +
              `${o.pods}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        wall[i]! += performance.now() - t0;
      }
      const done = b + batch.length;
      if (done - reported >= Math.max(o.concurrency, o.pods / 10) || done === o.pods) {
        reported = done;
        o.say(`density: ${done}/${o.pods} pods on each of ${endpoints.length} runtime(s)`);
      }
    }
    for (const [i, c] of clients.entries()) {
      const running = await c.runtime.listContainers({
        filter: { state: { state: ContainerState.CONTAINER_RUNNING } },
      });
      if (running.containers.length < o.pods) {
        throw new Error(
          `density: only ${running.containers.length}/${o.pods} containers running on ` +
            endpoints[i]!.name,
        );
      }
    }
    // Let the daemons settle (goroutines parked, shims done with their start-up) first.
    await new Promise((r) => setTimeout(r, 2_000));
    const memoryAt = endpoints.map(stackMemory);
    const samples = endpoints.map(
      () =>
        Object.fromEntries(LISTS.map((l) => [l, [] as number[]])) as Record<
          (typeof LISTS)[number],
          number[]
        >,
    );
    const errors = endpoints.map(() => ({}) as Record<string, string>);
    const items = endpoints.map(() => ({}) as Record<string, number>);
    const checks = endpoints.map(() => ({}) as Record<string, StatsCheck>);
    for (let k = 0; k < (o.listSamples ?? 20); k++) {
      for (const [i, c] of clients.entries()) {
        for (const l of LISTS) {
          if (errors[i]![l] !== undefined) continue;
          try {
            const [res, ms] = await time(() => c.runtime[l]({}) as Promise<unknown>);
            samples[i]![l].push(ms);
            items[i]![l] = listLength(res);
            if (l === 'listContainerStats' || l === 'listPodSandboxStats') {
              checks[i]![l] = checkStats(
                Object.values(res as object).find(Array.isArray) ?? [],
                Date.now(),
              );
            }
          } catch (err) {
            errors[i]![l] = (err as Error).message;
          }
        }
      }
    }
    const results: DensityResult[] = [];
    for (const [i, c] of clients.entries()) {
      o.say(`density: tearing down ${o.pods} pods on ${endpoints[i]!.name}`);
      const [, teardownMs] = await time(() => teardown(c, ids[i]!.splice(0), o.concurrency));
      const s = samples[i]!;
      results.push({
        pods: o.pods,
        concurrency: o.concurrency,
        allRunningMs: wall[i]!,
        podStartMs: distribution(starts[i]!),
        growth: growth(starts[i]!),
        memoryIdle: memoryIdle[i]!,
        memoryAt: memoryAt[i]!,
        perPod: {
          rssBytes: (memoryAt[i]!.rssBytes - memoryIdle[i]!.rssBytes) / o.pods,
          pssBytes: (memoryAt[i]!.pssBytes - memoryIdle[i]!.pssBytes) / o.pods,
        },
        listContainersMs: distribution(s.listContainers),
        listPodSandboxMs: distribution(s.listPodSandbox),
        listContainerStatsMs: distribution(s.listContainerStats),
        listPodSandboxStatsMs: distribution(s.listPodSandboxStats),
        errors: errors[i]!,
        listItems: items[i]!,
        statsCheck: checks[i]!,
        teardownMs,
      });
    }
    return results;
  } finally {
    for (const [i, c] of clients.entries()) {
      await teardown(c, ids[i]!, o.concurrency).catch((err: unknown) =>
        o.say(`density: teardown on ${endpoints[i]!.name} failed: ${String(err)}`),
      );
    }
  }
}

/**
 * Splits `pods` into runs of at most `concurrency` pods, as even as possible (100 by 8:
 * 13 batches of 7 or 8, not 12 of 8 and one of 4), so the last pods do not start with
 * less contention than the first and the cost growth compares like with like.
 */
export function batches(pods: number, concurrency: number): number[][] {
  const n = Math.ceil(pods / Math.max(1, concurrency));
  const out: number[][] = [];
  let next = 0;
  for (let k = 0; k < n; k++) {
    const size = Math.floor(pods / n) + (k < pods % n ? 1 : 0);
    out.push(Array.from({ length: size }, () => next++));
  }
  return out;
}

/** Entries in a List* answer (its one repeated field). */
function listLength(res: unknown): number {
  for (const v of Object.values(res as Record<string, unknown>)) {
    if (Array.isArray(v)) return v.length;
  }
  return 0;
}

async function teardown(c: CriClient, ids: string[], concurrency: number) {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      await c.runtime.stopPodSandbox({ podSandboxId: id });
      await c.runtime.removePodSandbox({ podSandboxId: id });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
