import { describe, expect, it } from 'vitest';
import { hasDedicatedImageFs, observeSignals } from './signal-observe.js';

const Mi = 2 ** 20;

describe('observeSignals', () => {
  it('computes every signal as the kubelet defines it', () => {
    const nodefs = {
      capacityBytes: 100 * Mi,
      availableBytes: 30 * Mi,
      inodes: 1000,
      inodesFree: 40,
      device: 1,
    };
    const signals = observeSignals({
      time: 1000,
      memory: { capacityBytes: 1024 * Mi, workingSetBytes: 900 * Mi, usageBytes: 1000 * Mi },
      allocatableMemory: { capacityBytes: 800 * Mi, workingSetBytes: 850 * Mi, time: 990 },
      nodefs,
      imagefs: nodefs,
      pids: { maxPids: 32768, running: 200 },
      pods: [],
    });
    // Reclaimable page cache (usage - working set = 100Mi) does not count as used.
    expect(signals['memory.available']).toEqual({
      available: 124 * Mi,
      capacity: 1024 * Mi,
      time: 1000,
    });
    // Over the limit: available is 0 and capacity becomes the working set.
    expect(signals['allocatableMemory.available']).toEqual({
      available: 0,
      capacity: 850 * Mi,
      time: 990,
    });
    expect(signals['nodefs.available']).toEqual({
      available: 30 * Mi,
      capacity: 100 * Mi,
      time: 1000,
    });
    expect(signals['nodefs.inodesFree']).toEqual({ available: 40, capacity: 1000, time: 1000 });
    expect(signals['imagefs.available']?.available).toBe(30 * Mi);
    expect(signals['pid.available']).toEqual({ available: 32568, capacity: 32768, time: 1000 });
  });

  it('leaves out what was not observed', () => {
    expect(observeSignals({ time: 1, pods: [] })).toEqual({});
  });

  it('tells a dedicated imagefs by device', () => {
    const fs = (device: number) => ({ capacityBytes: 1, availableBytes: 1, device });
    expect(hasDedicatedImageFs({ time: 1, pods: [], nodefs: fs(1), imagefs: fs(1) })).toBe(false);
    expect(hasDedicatedImageFs({ time: 1, pods: [], nodefs: fs(1), imagefs: fs(2) })).toBe(true);
    expect(hasDedicatedImageFs({ time: 1, pods: [], nodefs: fs(1) })).toBe(false);
  });
});
