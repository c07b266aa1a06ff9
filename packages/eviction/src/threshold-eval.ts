import { isMemorySignal } from './signal.js';
import type { SignalObservations } from './signal-observe.js';
import { type Threshold, thresholdKey, thresholdMet } from './threshold.js';

/** When each currently met threshold was first seen met (ms since the epoch). */
export type ThresholdsObservedAt = ReadonlyArray<{ threshold: Threshold; at: number }>;

/**
 * The thresholds whose signal is below their level (the kubelet's `thresholdsMet`). With
 * `enforceMinReclaim`, the level includes the minimum reclaim. A threshold whose signal was
 * not observed is not met.
 */
export function thresholdsMet(
  thresholds: readonly Threshold[],
  signals: SignalObservations,
  enforceMinReclaim: boolean,
): Threshold[] {
  return thresholds.filter((t) => {
    const o = signals[t.signal];
    return o !== undefined && thresholdMet(t, o.available, o.capacity, enforceMinReclaim);
  });
}

/** `a` plus the thresholds of `b` not already in it (the kubelet's `mergeThresholds`). */
export function mergeThresholds(a: readonly Threshold[], b: readonly Threshold[]): Threshold[] {
  const keys = new Set(a.map(thresholdKey));
  return [...a, ...b.filter((t) => !keys.has(thresholdKey(t)))];
}

/** Keep the first-seen time of thresholds still met; new ones start `now`. */
export function thresholdsFirstObservedAt(
  met: readonly Threshold[],
  last: ThresholdsObservedAt,
  now: number,
): ThresholdsObservedAt {
  const before = new Map(last.map((e) => [thresholdKey(e.threshold), e.at]));
  return met.map((threshold) => ({ threshold, at: before.get(thresholdKey(threshold)) ?? now }));
}

/** The thresholds met for at least their grace period (hard ones at once). */
export function thresholdsMetGracePeriod(observedAt: ThresholdsObservedAt, now: number) {
  return observedAt.filter((e) => now - e.at >= e.threshold.gracePeriodMs).map((e) => e.threshold);
}

/**
 * The thresholds whose signal was measured after the previous sync's measurement (the
 * kubelet's `thresholdsUpdatedStats`): acting twice on one stale reading would evict two
 * pods for one shortage.
 */
export function thresholdsUpdatedStats(
  thresholds: readonly Threshold[],
  signals: SignalObservations,
  last: SignalObservations,
): Threshold[] {
  return thresholds.filter((t) => {
    const o = signals[t.signal];
    if (!o) return false;
    const before = last[t.signal];
    return !before || o.time > before.time;
  });
}

/** Memory thresholds first, then the rest in their given order (`byEvictionPriority`). */
export function byEvictionPriority(thresholds: readonly Threshold[]): Threshold[] {
  const rank = (t: Threshold) => (isMemorySignal(t.signal) ? 0 : 1);
  return [...thresholds].sort((a, b) => rank(a) - rank(b));
}
