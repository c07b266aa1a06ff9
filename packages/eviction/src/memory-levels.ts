import type { EvictionConfig } from './eviction-core.js';
import type { MemoryObservation, NodeObservation } from './observation.js';
import { isMemorySignal } from './signal.js';
import type { SignalObservations } from './signal-observe.js';
import { thresholdQuantity } from './threshold.js';

/** The most crossing levels armed per threshold. */
export const MAX_LADDER = 8;

/** The smallest gap between two crossing levels (the kernel checks thresholds about every 128 charged pages per cpu). */
export const MIN_RUNG_BYTES = 512 * 1024;

/** The memory signals the kernel can wake the manager for. */
export type MemorySignal = 'memory.available' | 'allocatableMemory.available';

/**
 * Usage levels (v1 `memory.usage_in_bytes`) at which the kernel should wake the manager
 * for one memory signal's cgroup.
 */
export interface MemoryNotifyLevels {
  /** The signal (`memory.available`: the node cgroup; allocatable: the pods cgroup). */
  signal: MemorySignal;
  /**
   * Usage levels around each threshold's crossing. The kernel watches usage, the signal is
   * the working set (usage − inactive file): the crossing lies at usage capacity −
   * threshold + the inactive file pages of that moment. The kubelet arms one level, at the
   * inactive file it last read, and misses the crossing when those pages shrink meanwhile.
   * Here a ladder of levels spans capacity − threshold (no inactive file left) to that
   * level, at most {@link MAX_LADDER} levels, {@link MIN_RUNG_BYTES} apart or more when there
   * is much page cache, so a
   * level is passed soon after the real crossing whatever the page cache did. Sorted,
   * unique.
   */
  crossingBytes: number[];
  /**
   * Usage one threshold-width before the lowest crossing level: an early warning that
   * switches the manager to fast sweeps. Sorted, unique.
   */
  warningBytes: number[];
}

/**
 * The kernel usage levels for every memory threshold, from a fresh observation. Re-arm
 * them after each sync: they move with the inactive file pages. Signals without a
 * `usageBytes` reading get none.
 */
export function memoryNotifyLevels(
  config: Pick<EvictionConfig, 'thresholds'>,
  obs: NodeObservation,
): MemoryNotifyLevels[] {
  const bySignal = new Map<MemorySignal, { crossing: Set<number>; warning: Set<number> }>();
  for (const t of config.thresholds) {
    if (!isMemorySignal(t.signal)) continue;
    const signal = t.signal as MemorySignal;
    const m: MemoryObservation | undefined =
      signal === 'memory.available' ? obs.memory : obs.allocatableMemory;
    if (!m || m.usageBytes === undefined) continue;
    const capacity = m.capacityBytes;
    const amount = thresholdQuantity(t.value, capacity);
    const inactive = Math.max(0, m.usageBytes - m.workingSetBytes);
    const lowest = capacity - amount;
    if (lowest <= 0) continue;
    const entry = bySignal.get(signal) ?? { crossing: new Set(), warning: new Set() };
    const rungs = Math.min(MAX_LADDER - 1, Math.ceil(inactive / MIN_RUNG_BYTES));
    entry.crossing.add(lowest);
    for (let i = 1; i <= rungs; i++)
      entry.crossing.add(lowest + Math.round((inactive * i) / rungs));
    if (lowest - amount > 0) entry.warning.add(lowest - amount);
    bySignal.set(signal, entry);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return [...bySignal].map(([signal, e]) => ({
    signal,
    crossingBytes: sorted(e.crossing),
    warningBytes: sorted(e.warning),
  }));
}

/**
 * Whether a memory signal is within one threshold-width of a memory threshold (available
 * below twice the threshold amount): the manager then sweeps fast instead of every 10 s.
 */
export function memoryPressureNear(
  config: Pick<EvictionConfig, 'thresholds'>,
  signals: SignalObservations,
): boolean {
  return config.thresholds.some((t) => {
    if (!isMemorySignal(t.signal)) return false;
    const o = signals[t.signal];
    return o !== undefined && o.available < 2 * thresholdQuantity(t.value, o.capacity);
  });
}
