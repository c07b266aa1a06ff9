import { describe, expect, it } from 'vitest';
import { memoryNotifyLevels, memoryPressureNear } from './memory-levels.js';
import { observeSignals } from './signal-observe.js';
import { parseEvictionSettings } from './threshold-parse.js';

const Mi = 2 ** 20;

describe('memoryNotifyLevels', () => {
  const config = parseEvictionSettings({
    hard: 'memory.available<100Mi,nodefs.available<10%',
    soft: 'memory.available<20%',
    softGracePeriod: 'memory.available=1m',
    enforceNodeAllocatable: ['pods'],
  });

  it('spans the crossing from capacity - threshold to the kubelet level (+ inactive file)', () => {
    const levels = memoryNotifyLevels(config, {
      time: 0,
      // 50Mi of inactive page cache: the working set reaches capacity - 100Mi at usage 974Mi.
      memory: { capacityBytes: 1024 * Mi, workingSetBytes: 400 * Mi, usageBytes: 450 * Mi },
      allocatableMemory: {
        capacityBytes: 800 * Mi,
        workingSetBytes: 300 * Mi,
        usageBytes: 300 * Mi,
      },
      pods: [],
    });
    const pct = Math.trunc(1024 * Mi * Math.fround(0.2));
    // A ladder of 8 levels from "no page cache left" up to the kubelet's level.
    const ladder = (lowest: number) =>
      Array.from({ length: 8 }, (_, i) => lowest + Math.round((50 * Mi * i) / 7));
    expect(levels).toEqual([
      {
        signal: 'memory.available',
        crossingBytes: [...ladder(1024 * Mi - pct), ...ladder(924 * Mi)].sort((a, b) => a - b),
        warningBytes: [1024 * Mi - 2 * pct, 824 * Mi],
      },
      // No inactive file: one level, where the working set crosses.
      {
        signal: 'allocatableMemory.available',
        crossingBytes: [700 * Mi],
        warningBytes: [600 * Mi],
      },
    ]);
    expect(levels[0]!.crossingBytes.at(-1)).toBe(974 * Mi); // the kubelet's level
  });

  it('gives no levels without a usage reading', () => {
    expect(
      memoryNotifyLevels(config, {
        time: 0,
        memory: { capacityBytes: 1024 * Mi, workingSetBytes: 400 * Mi },
        pods: [],
      }),
    ).toEqual([]);
  });
});

describe('memoryPressureNear', () => {
  const config = parseEvictionSettings({ hard: 'memory.available<100Mi' });
  const near = (wsMi: number) =>
    memoryPressureNear(
      config,
      observeSignals({
        time: 0,
        memory: { capacityBytes: 1024 * Mi, workingSetBytes: wsMi * Mi },
        pods: [],
      }),
    );
  it('is true within one threshold-width of the threshold', () => {
    expect(near(800)).toBe(false);
    expect(near(824)).toBe(false);
    expect(near(825)).toBe(true);
    expect(near(1000)).toBe(true);
  });
});
