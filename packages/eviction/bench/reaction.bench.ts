/**
 * Time from a memory threshold crossing to the eviction decision: Capstan's event-driven
 * manager (kernel usage-threshold eventfd + fast sweeps near the threshold) against the
 * kubelet's model (a sweep every 10 s), 20 runs each, on a real cgroup v1 "node" (a parent
 * cgroup with a 256 MiB limit) with a pod allocating 4 MiB every 50 ms.
 *
 * The crossing time is taken from the allocator itself: it prints the wall-clock time before
 * each 4 MiB step and the node cgroup's working set after it; the crossing is dated by the
 * start of the step during which the working set passed capacity − threshold (a step takes
 * 1–3 ms, so latencies are overstated by that much at most). In the polled runs the allocator stops one step
 * past the crossing (otherwise it would reach the kernel's OOM killer long before the next
 * sweep), and a random delay of 0–10 s before it starts spreads the crossing over the
 * sweep phase.
 *
 * Run as root: `pnpm --filter @capstan/eviction bench` (RUNS=n to change the count;
 * DEBUG_SYNCS=1 prints every sync and the last allocation steps of each run).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import {
  createCgroupStatsProvider,
  type EvictablePod,
  type EvictionEvent,
  EvictionManager,
} from '../src/index.js';
import { closed, killStarted, sleep, spawnAllocator, uniqueName } from '../test/helpers.js';

const Mi = 2 ** 20;
const NODE_LIMIT = 256 * Mi;
const THRESHOLD = 96 * Mi;
const STEP = 4 * Mi;
const RUNS = Number(process.env.RUNS ?? 20);
const cgroups = createCgroupManager();
const nodefs = mkdtempSync(join(tmpdir(), 'capstan-evict-bench-'));

interface Run {
  latencyMs: number;
  trigger: string;
  oomKills: number;
}

/** The node cgroup of the run in progress, removed on SIGINT/SIGTERM too. */
let current: string | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void (async () => {
      await killStarted();
      if (current) await cgroups.destroy(current);
      rmSync(nodefs, { recursive: true, force: true });
      process.exit(130);
    })();
  });
}

async function once(mode: 'event' | 'poll'): Promise<Run> {
  const node = `/${uniqueName('bench')}`;
  current = node;
  const hierarchy = new PodCgroupHierarchy({ manager: cgroups, root: 'kubepods', parent: node });
  let manager: EvictionManager | undefined;
  try {
    await cgroups.create(node, { memory: { limit: NODE_LIMIT } });
    await hierarchy.ensure();
    const uid = 'hog-0000-4000-8000-000000000001';
    const pod = await hierarchy.createPod({ uid, containers: [{ name: 'hog' }] });
    let pods: EvictablePod[] = [{ uid, containers: [{ name: 'hog' }], cgroupPath: pod.path }];
    const hog = spawnAllocator({
      stepMiB: STEP / Mi,
      intervalMs: 50,
      maxMiB: 512,
      measureDir: cgroups.directory(node, 'memory'),
    });
    await cgroups.addProcess(pod.path, hog.child.pid!);
    hog.exec();
    await hog.ready();
    const decided = new Promise<EvictionEvent>((resolve) => {
      manager = new EvictionManager({
        thresholds: `memory.available<${THRESHOLD / Mi}Mi`,
        statsProvider: createCgroupStatsProvider({
          manager: cgroups,
          nodeCgroup: node,
          podsCgroup: hierarchy.rootPath,
          nodefsPath: nodefs,
        }),
        podProvider: () => pods,
        evictPod: async (p) => {
          await cgroups.killAll(p.cgroupPath!);
          pods = [];
        },
        sweepIntervalMs: 10_000,
        ...(mode === 'poll' ? { kernelNotifications: false, fastSweepIntervalMs: 10_000 } : {}),
      });
      manager.once('decision', resolve);
      if (process.env.DEBUG_SYNCS)
        manager.on('sync', (r) =>
          process.stderr.write(
            `  sync ${r.trigger} woken=${r.wokenAt % 100000} avail=${((r.result.signals['memory.available']?.available ?? 0) / Mi).toFixed(2)} decided=${!!r.decision}\n`,
          ),
        );
    });
    await manager!.start();
    if (mode === 'poll') await sleep(Math.random() * 10_000);
    const before = (await cgroups.stats(node)).memory!.workingSetBytes;
    const crossAt = NODE_LIMIT - THRESHOLD - before;
    // Polled: stop one step past the crossing, or the kernel OOM-kills first.
    hog.go(mode === 'poll' ? (Math.floor(crossAt / STEP) + 2) * STEP : undefined);
    const event = await decided;
    await closed(hog.child);
    const crossedAt = hog.crossedAt(NODE_LIMIT - THRESHOLD);
    if (crossedAt === undefined) throw new Error('the allocator never crossed the threshold');
    if (process.env.DEBUG_SYNCS)
      process.stderr.write(
        `  steps ${JSON.stringify(
          hog
            .steps()
            .slice(-4)
            .map((x) => [
              x.start % 100000,
              (x.end ?? 0) % 100000,
              ((x.workingSetBytes ?? 0) / Mi).toFixed(2),
            ]),
        )}\n`,
      );
    const oomKills = (await cgroups.stats(node)).memory!.oomKills;
    return { latencyMs: event.decidedAt - crossedAt, trigger: event.trigger, oomKills };
  } finally {
    await manager?.stop();
    await killStarted();
    await cgroups.destroy(node);
    current = undefined;
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the benchmark creates cgroups');
  const rows: string[] = [];
  for (const mode of ['event', 'poll'] as const) {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await once(mode));
      process.stderr.write(
        `${mode} ${i + 1}/${RUNS}: ${fmt(runs.at(-1)!.latencyMs)} (${runs.at(-1)!.trigger})\n`,
      );
    }
    const lat = runs.map((r) => r.latencyMs);
    const triggers = [...new Set(runs.map((r) => r.trigger))].join(', ');
    const ooms = runs.reduce((n, r) => n + r.oomKills, 0);
    const label = mode === 'event' ? 'event-driven (Capstan default)' : '10 s poll (kubelet model)';
    rows.push(
      `| ${label} | ${runs.length} | ${fmt(pct(lat, 50))} | ${fmt(pct(lat, 90))} | ${fmt(Math.max(...lat))} | ${triggers} | ${ooms} |`,
    );
  }
  process.stdout.write(
    [
      '',
      `Threshold crossing -> eviction decision (node limit 256 MiB, memory.available<96Mi, pod allocating 80 MiB/s; headroom to the kernel OOM: 1.2 s)`,
      '',
      '| mode | runs | p50 | p90 | max | woken by | OOM kills |',
      '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
}

try {
  await main();
} finally {
  rmSync(nodefs, { recursive: true, force: true });
}
