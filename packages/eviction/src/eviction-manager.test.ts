import { describe, expect, it } from 'vitest';
import type { EvictionDecision } from './decision.js';
import { type EvictionEvent, EvictionManager, type SyncReport } from './eviction-manager.js';
import type { MemoryNotifyLevels } from './memory-levels.js';
import type { NodeObservation } from './observation.js';
import type { EvictablePod } from './pod.js';
import type { StatsProvider, WakeReason } from './stats-provider.js';

const Mi = 2 ** 20;

/** A provider whose numbers the test sets; remembers the kernel levels it was asked for. */
class FakeProvider implements StatsProvider {
  workingSetMi = 100;
  diskAvailMi = 50;
  usage: Record<string, number> = {};
  levels: MemoryNotifyLevels[][] = [];
  wake: ((r: WakeReason, d: Record<string, unknown>) => void) | undefined;
  async observe(pods: readonly EvictablePod[]): Promise<NodeObservation> {
    await new Promise((r) => setImmediate(r));
    return {
      time: performance.timeOrigin + performance.now(),
      memory: {
        capacityBytes: 1024 * Mi,
        workingSetBytes: this.workingSetMi * Mi,
        usageBytes: this.workingSetMi * Mi,
      },
      nodefs: { capacityBytes: 100 * Mi, availableBytes: this.diskAvailMi * Mi },
      pods: pods.map((p) => ({
        uid: p.uid,
        memoryWorkingSetBytes: (this.usage[p.uid] ?? 0) * Mi,
        volumes: { bytes: (this.usage[p.uid] ?? 0) * Mi, inodes: 1 },
      })),
    };
  }
  async watchMemory(levels: readonly MemoryNotifyLevels[], wake: FakeProvider['wake']) {
    this.levels.push([...levels]);
    this.wake = wake;
  }
}

const pod = (uid: string): EvictablePod => ({ uid, containers: [{ name: 'c' }] });

function setup(extra: Partial<ConstructorParameters<typeof EvictionManager>[0]> = {}) {
  const provider = new FakeProvider();
  let pods = [pod('a'), pod('b'), pod('c')];
  const evicted: string[] = [];
  const log: string[] = [];
  const manager = new EvictionManager({
    thresholds: 'memory.available<100Mi,nodefs.available<10%',
    statsProvider: provider,
    podProvider: () => pods,
    evictPod: async (p: EvictablePod, d: EvictionDecision) => {
      evicted.push(p.uid);
      log.push(`evict ${p.uid} ${d.signal}`);
      provider.workingSetMi -= provider.usage[p.uid] ?? 0;
      provider.diskAvailMi += provider.usage[p.uid] ?? 0;
      pods = pods.filter((x) => x.uid !== p.uid);
    },
    sweepIntervalMs: 60_000,
    ...extra,
  });
  manager.on('condition', (c) => log.push(`${c.type}=${c.status}`));
  manager.on('reclaim', (r) => log.push(`reclaim ${r.actions.join('+')} resolved=${r.resolved}`));
  return { provider, manager, evicted, log, setPods: (p: EvictablePod[]) => (pods = p) };
}

const nextEvent = <T>(m: EvictionManager, name: 'decision' | 'sync') =>
  new Promise<T>((resolve) => m.once(name, (e: unknown) => resolve(e as T)));

describe('EvictionManager', () => {
  it('syncs on start, arms kernel levels, and is woken by them', async () => {
    const { provider, manager, evicted } = setup();
    provider.usage = { a: 10, b: 600, c: 50 };
    await manager.start();
    expect(evicted).toEqual([]);
    expect(provider.levels.at(-1)).toEqual([
      { signal: 'memory.available', crossingBytes: [924 * Mi], warningBytes: [824 * Mi] },
    ]);
    provider.workingSetMi = 950; // the kernel would now signal the crossing
    const decided = nextEvent<EvictionEvent>(manager, 'decision');
    provider.wake?.('memory-threshold', {});
    const e = await decided;
    expect(e.trigger).toBe('memory-threshold');
    expect(e.decision.pod.uid).toBe('b');
    expect(e.decidedAt).toBeGreaterThanOrEqual(e.wokenAt);
    await manager.stop();
    expect(evicted).toEqual(['b']);
    expect(provider.levels.at(-1)).toEqual([]);
  });

  it('evicts one pod per sync and observes again before the next', async () => {
    const { provider, manager, evicted } = setup();
    provider.usage = { a: 60, b: 40, c: 30 };
    provider.workingSetMi = 1000; // 24Mi available: needs two evictions to clear 100Mi
    const syncs: SyncReport[] = [];
    manager.on('sync', (r) => syncs.push(r));
    await manager.start();
    await expect.poll(() => evicted.length).toBe(2);
    await manager.sync();
    await manager.stop();
    expect(evicted).toEqual(['a', 'b']);
    expect(syncs.map((r) => r.trigger).slice(0, 3)).toEqual([
      'start',
      'after-eviction',
      'after-eviction',
    ]);
    expect(syncs.filter((r) => r.decision).length).toBe(2);
    expect(manager.isUnderMemoryPressure()).toBe(true); // the 5 min transition period
  });

  it('runs node-level reclaim before evicting for disk pressure', async () => {
    let reclaimed = 0;
    const { provider, manager, evicted, log } = setup({
      reclaim: {
        deleteUnusedContainers: () => {
          log.push('containers');
          provider.diskAvailMi += 1;
          reclaimed++;
        },
        deleteUnusedImages: async () => {
          log.push('images');
          provider.diskAvailMi += 1;
        },
      },
    });
    provider.usage = { a: 1, b: 2, c: 20 };
    provider.diskAvailMi = 5; // 10% of 100Mi is 10Mi
    await manager.start();
    await expect.poll(() => evicted.length).toBe(1);
    await manager.stop();
    expect(reclaimed).toBe(1);
    expect(log).toEqual([
      'DiskPressure=true',
      'containers',
      'images',
      'reclaim deleteUnusedContainers+deleteUnusedImages resolved=false',
      'evict c nodefs.available',
    ]);
  });

  it('does not evict when reclaim was enough', async () => {
    const { provider, manager, evicted, log } = setup({
      reclaim: {
        deleteUnusedImages: () => {
          provider.diskAvailMi = 40;
        },
      },
    });
    provider.diskAvailMi = 5;
    await manager.start();
    await manager.stop();
    expect(evicted).toEqual([]);
    expect(log).toEqual(['DiskPressure=true', 'reclaim deleteUnusedImages resolved=true']);
  });

  it('keeps going when evictPod throws, and does not pick the same pod again', async () => {
    const provider = new FakeProvider();
    provider.usage = { a: 500, b: 10 };
    provider.workingSetMi = 1000;
    const calls: string[] = [];
    const manager = new EvictionManager({
      thresholds: 'memory.available<100Mi',
      statsProvider: provider,
      podProvider: () => [pod('a'), pod('b')],
      evictPod: (p: EvictablePod) => {
        calls.push(p.uid);
        throw new Error('runtime down');
      },
      sweepIntervalMs: 60_000,
    });
    const errors: unknown[] = [];
    manager.on('evicted', (e) => errors.push(e.error));
    await manager.start();
    await expect.poll(() => calls.length).toBe(2);
    await manager.stop();
    expect(calls).toEqual(['a', 'b']);
    expect(String(errors[0])).toContain('runtime down');
  });

  it('sweeps fast while memory is near a threshold', async () => {
    const { provider, manager } = setup({ fastSweepIntervalMs: 20, kernelNotifications: false });
    provider.workingSetMi = 850; // 174Mi available: within 2 x 100Mi
    const triggers: string[] = [];
    manager.on('sync', (r) => triggers.push(r.trigger));
    await manager.start();
    await expect.poll(() => triggers.length).toBeGreaterThanOrEqual(3);
    await manager.stop();
    expect(triggers[0]).toBe('start');
    expect(triggers.slice(1, 3)).toEqual(['fast-sweep', 'fast-sweep']);
    expect(provider.levels).toEqual([[]]); // only the stop() call: notifications were off
  });

  it('merges requests that arrive during a sync', async () => {
    const { manager } = setup();
    const syncs: string[] = [];
    manager.on('sync', (r) => syncs.push(r.trigger));
    await manager.start();
    const all = await Promise.all([manager.sync(), manager.sync(), manager.sync()]);
    await manager.stop();
    // The first runs at once; the other two wait and share one sync.
    expect(syncs).toEqual(['start', 'manual', 'manual']);
    expect(all[1]).toBe(all[2]);
  });
});
