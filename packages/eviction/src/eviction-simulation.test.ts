import { describe, expect, it } from 'vitest';
import {
  decideAfterReclaim,
  type EvictionConfig,
  type EvictionState,
  initialEvictionState,
  type SyncResult,
  synchronize,
} from './eviction-core.js';
import type { NodeObservation, PodUsage } from './observation.js';
import type { EvictablePod } from './pod.js';
import { parseEvictionSettings } from './threshold-parse.js';

// Scripted observations over time, fed to the pure core: conditions, grace periods,
// minimum reclaim and reclaim-before-evict checked exactly, to the millisecond.

const Mi = 2 ** 20;
const s = (sec: number) => sec * 1000;
const pod = (uid: string, memory: string, extra: Partial<EvictablePod> = {}): EvictablePod => ({
  uid,
  containers: [{ name: 'app', resources: { requests: { memory } } }],
  ...extra,
});
const memObs = (t: number, workingSetMi: number, pods: PodUsage[]): NodeObservation => ({
  time: t,
  memory: { capacityBytes: 1024 * Mi, workingSetBytes: workingSetMi * Mi },
  pods,
});

/** Run a script of [time, observation, pods] steps; returns each step's result. */
function run(config: EvictionConfig, steps: Array<[number, NodeObservation, EvictablePod[]]>) {
  let state: EvictionState = initialEvictionState();
  const out: SyncResult[] = [];
  for (const [now, observation, pods] of steps) {
    const r = synchronize(config, state, { observation, pods, now });
    state = r.state;
    out.push(r);
  }
  return out;
}

describe('soft thresholds, grace periods and the pressure transition period', () => {
  const config: EvictionConfig = parseEvictionSettings({
    soft: 'memory.available<300Mi',
    softGracePeriod: 'memory.available=30s',
    maxPodGracePeriodSeconds: 20,
    pressureTransitionPeriod: '60s',
  });
  const a = pod('a', '100Mi', { terminationGracePeriodSeconds: 60 });
  const b = pod('b', '500Mi', { terminationGracePeriodSeconds: 5 });
  const usage = [
    { uid: 'a', memoryWorkingSetBytes: 600 * Mi },
    { uid: 'b', memoryWorkingSetBytes: 150 * Mi },
  ];
  const r = run(config, [
    [s(0), memObs(s(0), 600, usage), [a, b]], // 424Mi available
    [s(10), memObs(s(10), 750, usage), [a, b]], // 274Mi: met, grace starts
    [s(39.999), memObs(s(39.999), 760, usage), [a, b]], // 1 ms short of the grace period
    [s(40), memObs(s(40), 760, usage), [a, b]], // grace period over: evict
    [s(41), memObs(s(41), 500, usage.slice(1)), [b]], // a is gone: 524Mi
    [s(99.999), memObs(s(99.999), 500, usage.slice(1)), [b]], // within the transition period
    [s(100), memObs(s(100), 500, usage.slice(1)), [b]], // 60 s after it was last met
  ]);

  it('sets MemoryPressure as soon as the soft threshold is met, before its grace period', () => {
    expect(r[0]!.conditions).toEqual([]);
    expect(r[1]!.conditions).toEqual(['MemoryPressure']);
    expect(r[1]!.conditionChanges).toEqual([{ type: 'MemoryPressure', status: true, at: s(10) }]);
    expect(r[1]!.met.map((t) => t.signal)).toEqual(['memory.available']);
    expect(r[1]!.actionable).toEqual([]);
    expect(r[1]!.decision).toBeUndefined();
  });

  it('evicts only once the threshold held for its whole grace period', () => {
    expect(r[2]!.actionable).toEqual([]);
    expect(r[2]!.decision).toBeUndefined();
    const d = r[3]!.decision!;
    expect(d.pod.uid).toBe('a');
    expect(d.hard).toBe(false);
    // Soft: the smaller of the pod's 60 s and the 20 s maximum.
    expect(d.gracePeriodSeconds).toBe(20);
    expect(d.ranking).toEqual(['a', 'b']);
    expect(d.message).toBe(
      'The node was low on resource: memory. Threshold quantity: 300Mi, available: 264Mi. Pod a was using 600Mi, request is 100Mi, has larger consumption of memory. ',
    );
  });

  it('keeps the condition for the transition period after the threshold cleared, then clears it', () => {
    expect(r[4]!.met).toEqual([]);
    expect(r[4]!.decision).toBeUndefined();
    expect(r[4]!.conditions).toEqual(['MemoryPressure']);
    expect(r[5]!.conditions).toEqual(['MemoryPressure']);
    expect(r[5]!.conditionChanges).toEqual([]);
    expect(r[6]!.conditions).toEqual([]);
    expect(r[6]!.conditionChanges).toEqual([{ type: 'MemoryPressure', status: false, at: s(100) }]);
  });

  it('restarts the grace period when the threshold stops being met in between', () => {
    const flap = run(config, [
      [s(0), memObs(s(0), 750, usage), [a, b]], // met
      [s(20), memObs(s(20), 600, usage), [a, b]], // not met: grace clock resets
      [s(25), memObs(s(25), 750, usage), [a, b]], // met again
      [s(50), memObs(s(50), 750, usage), [a, b]], // 25 s: not yet
      [s(55), memObs(s(55), 750, usage), [a, b]], // 30 s: evict
    ]);
    expect(flap.map((x) => x.decision?.pod.uid)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'a',
    ]);
    // The condition never flaps off in between (transition period 60 s).
    expect(flap.map((x) => x.conditions.length)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('hard thresholds and the minimum reclaim', () => {
  const config = parseEvictionSettings({
    hard: 'memory.available<100Mi',
    minimumReclaim: 'memory.available=50Mi',
    pressureTransitionPeriod: '5m',
  });
  const pods = [
    pod('hog', '10Mi'),
    pod('calm', '200Mi'),
    pod('node-critical', '0', { static: true }),
  ];
  const usage = [
    { uid: 'hog', memoryWorkingSetBytes: 700 * Mi },
    { uid: 'calm', memoryWorkingSetBytes: 100 * Mi },
    { uid: 'node-critical', memoryWorkingSetBytes: 900 * Mi },
  ];
  const r = run(config, [
    [s(0), memObs(s(0), 944, usage), pods], // 80Mi available: met, evict at once
    [s(1), memObs(s(1), 904, usage.slice(1)), pods.slice(1)], // 120Mi: above 100, below 100+50
    [s(2), memObs(s(2), 874, usage.slice(1)), pods.slice(1)], // 150Mi: exactly 100+50 is not below
  ]);

  it('evicts at once with the 1 s hard grace period, never the critical pod', () => {
    const d = r[0]!.decision!;
    expect(d.pod.uid).toBe('hog');
    expect(d.hard).toBe(true);
    expect(d.gracePeriodSeconds).toBe(1);
    expect(d.ranking).toEqual(['hog', 'calm']);
    expect(d.thresholdAmount).toBe(100 * Mi);
    expect(d.available).toBe(80 * Mi);
  });

  it('keeps evicting until available is at least threshold + minimum reclaim', () => {
    expect(r[1]!.met.map((t) => t.value.text)).toEqual(['100Mi']);
    expect(r[1]!.decision?.pod.uid).toBe('calm');
    expect(r[2]!.met).toEqual([]);
    expect(r[2]!.decision).toBeUndefined();
  });

  it('does not act twice on the same measurement', () => {
    const again = run(config, [
      [s(0), memObs(s(0), 944, usage), pods],
      [s(1), memObs(s(0), 944, usage), pods], // stats not refreshed
    ]);
    expect(again[0]!.decision?.pod.uid).toBe('hog');
    expect(again[1]!.met).toHaveLength(1);
    expect(again[1]!.actionable).toEqual([]);
    expect(again[1]!.decision).toBeUndefined();
  });

  it('reports why nothing is evicted when only critical pods (or none) remain', () => {
    const [onlyCritical] = run(config, [[s(0), memObs(s(0), 1000, usage), [pods[2]!]]]);
    expect(onlyCritical!.blocked).toBe('only-critical-pods');
    expect(onlyCritical!.decision).toBeUndefined();
    const [none] = run(config, [[s(0), memObs(s(0), 1000, []), []]]);
    expect(none!.blocked).toBe('no-pods');
    const highPriority = pod('system', '0', { priority: 2_000_000_000 });
    const [prio] = run(config, [[s(0), memObs(s(0), 1000, []), [highPriority]]]);
    expect(prio!.blocked).toBe('only-critical-pods');
  });
});

describe('disk pressure: reclaim first, then evict', () => {
  const config = parseEvictionSettings({
    hard: 'nodefs.available<10%,nodefs.inodesFree<5%',
    minimumReclaim: 'nodefs.available=5%',
    pressureTransitionPeriod: '10s',
  });
  const pods = [pod('small', '0'), pod('big', '0')];
  const disk = (t: number, availMi: number, inodesFree = 500): NodeObservation => ({
    time: t,
    nodefs: { capacityBytes: 100 * Mi, availableBytes: availMi * Mi, inodes: 1000, inodesFree },
    pods: [
      { uid: 'small', volumes: { bytes: 2 * Mi, inodes: 2 } },
      { uid: 'big', volumes: { bytes: 30 * Mi, inodes: 9 }, logs: { bytes: 1 * Mi, inodes: 1 } },
    ],
  });

  it('asks for container and image GC first and evicts only if that did not reclaim enough', () => {
    const [r] = run(config, [[s(0), disk(s(0), 8), pods]]);
    expect(r!.conditions).toEqual(['DiskPressure']);
    expect(r!.reclaim).toEqual(['deleteUnusedContainers', 'deleteUnusedImages']);
    expect(r!.decision).toBeUndefined();
    // GC freed 4Mi: 12Mi is above 10% but below 10% + 5%.
    const after = decideAfterReclaim(config, r!, { observation: disk(s(0.5), 12), pods });
    expect(after.resolved).toBe(false);
    expect(after.decision?.pod.uid).toBe('big');
    expect(after.decision?.resource).toBe('ephemeral-storage');
    // GC freed 10Mi: 18Mi is enough.
    const enough = decideAfterReclaim(config, r!, { observation: disk(s(0.5), 18), pods });
    expect(enough).toMatchObject({ resolved: true });
    expect(enough.decision).toBeUndefined();
  });

  it('skips reclaim steps the embedder cannot do', () => {
    const [r] = run({ ...config, reclaimActions: [] }, [[s(0), disk(s(0), 8), pods]]);
    expect(r!.reclaim).toEqual([]);
    expect(r!.decision?.pod.uid).toBe('big');
  });

  it('ranks inode pressure by inodes and ranks memory before disk', () => {
    const [r] = run({ ...config, reclaimActions: [] }, [[s(0), disk(s(0), 50, 10), pods]]);
    expect(r!.starved?.signal).toBe('nodefs.inodesFree');
    expect(r!.decision?.resource).toBe('inodes');
    const both = parseEvictionSettings({ hard: 'nodefs.available<10%,memory.available<100Mi' });
    const obs = {
      ...disk(s(0), 5),
      memory: { capacityBytes: 1024 * Mi, workingSetBytes: 1000 * Mi },
    };
    const [m] = run(both, [[s(0), obs, pods]]);
    expect(m!.conditions).toEqual(['MemoryPressure', 'DiskPressure']);
    expect(m!.starved?.signal).toBe('memory.available');
    expect(m!.reclaim).toEqual([]);
  });

  it('with a dedicated imagefs, nodefs pressure has nothing to reclaim', () => {
    const [r] = run({ ...config, dedicatedImageFs: true }, [[s(0), disk(s(0), 8), pods]]);
    expect(r!.reclaim).toEqual([]);
    expect(r!.decision?.pod.uid).toBe('big');
  });

  it('clears DiskPressure one transition period after the last time it was met', () => {
    const r = run({ ...config, reclaimActions: [] }, [
      [s(0), disk(s(0), 8), pods],
      [s(1), disk(s(1), 14), pods], // above 10% but short of the 5% minimum reclaim: still met
      [s(10.999), disk(s(10.999), 40), pods],
      [s(11), disk(s(11), 40), pods],
    ]);
    expect(r.map((x) => x.conditions)).toEqual([
      ['DiskPressure'],
      ['DiskPressure'],
      ['DiskPressure'],
      [],
    ]);
  });
});

describe('pid pressure', () => {
  it('sets PIDPressure and evicts the pod with the most tasks', () => {
    const config = parseEvictionSettings({ hard: 'pid.available<1k' });
    const [r] = run(config, [
      [
        0,
        {
          time: 0,
          pids: { maxPids: 32768, running: 32000 },
          pods: [
            { uid: 'a', processes: 5 },
            { uid: 'b', processes: 30_000 },
          ],
        },
        [pod('a', '0'), pod('b', '0')],
      ],
    ]);
    expect(r!.conditions).toEqual(['PIDPressure']);
    expect(r!.decision?.pod.uid).toBe('b');
    expect(r!.decision?.message).toBe(
      'The node was low on resource: pids. Threshold quantity: 1000, available: 768. ',
    );
  });
});
