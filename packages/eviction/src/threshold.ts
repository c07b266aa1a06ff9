import { formatGoDuration } from './duration.js';
import type { Signal } from './signal.js';

/**
 * A threshold value: an absolute quantity (bytes for memory and filesystems, a count for
 * inodes and pids) or a share of the signal's capacity. `text` is the value as written.
 */
export type ThresholdValue =
  | { kind: 'quantity'; quantity: number; text: string }
  | {
      kind: 'percentage';
      /** A fraction of capacity (`10%` -> 0.1), rounded to float32 as the kubelet stores it. */
      percentage: number;
      text: string;
    };

/**
 * An eviction threshold: `signal < value`. A hard threshold (`gracePeriodMs` 0) acts as
 * soon as it is met; a soft one only after it has been met for its whole grace period.
 */
export interface Threshold {
  /** The signal compared. */
  signal: Signal;
  /** Always `LessThan`: every eviction signal is an amount still available. */
  operator: 'LessThan';
  /** The level below which the threshold is met. */
  value: ThresholdValue;
  /** How long the threshold must hold before eviction; 0 for a hard threshold. */
  gracePeriodMs: number;
  /**
   * Once met, keep reclaiming until the signal is above `value + minReclaim`
   * (`--eviction-minimum-reclaim`).
   */
  minReclaim?: ThresholdValue;
}

/** Whether the threshold is hard (acts at once) rather than soft. */
export const isHardThreshold = (t: Threshold): boolean => t.gracePeriodMs === 0;

/**
 * The value as an amount for a signal of the given capacity: the quantity itself, or
 * `capacity × percentage` truncated, as the kubelet's `GetThresholdQuantity` computes it
 * (float64 product of the float32 percentage).
 */
export function thresholdQuantity(value: ThresholdValue, capacity: number): number {
  return value.kind === 'quantity' ? value.quantity : Math.trunc(capacity * value.percentage);
}

/**
 * The level the signal must stay at or above for the threshold not to be met; with
 * `enforceMinReclaim`, the minimum reclaim is added (the kubelet's `thresholdsMet`).
 */
export function thresholdLevel(t: Threshold, capacity: number, enforceMinReclaim = false): number {
  let level = thresholdQuantity(t.value, capacity);
  if (enforceMinReclaim && t.minReclaim) level += thresholdQuantity(t.minReclaim, capacity);
  return level;
}

/** Whether `available` meets (is below) the threshold. */
export function thresholdMet(
  t: Threshold,
  available: number,
  capacity: number,
  enforceMinReclaim = false,
): boolean {
  return thresholdLevel(t, capacity, enforceMinReclaim) > available;
}

/** An identity for a threshold: signal, value and grace period (the kubelet's `hasThreshold`). */
export function thresholdKey(t: Threshold): string {
  const v = t.value.kind === 'quantity' ? `q${t.value.quantity}` : `p${t.value.percentage}`;
  return `${t.signal}<${v}@${t.gracePeriodMs}`;
}

/** The threshold in the kubelet's syntax: `memory.available<100Mi` (`, grace 1m30s` if soft). */
export function formatThreshold(t: Threshold): string {
  const grace = t.gracePeriodMs > 0 ? ` (grace ${formatGoDuration(t.gracePeriodMs)})` : '';
  return `${t.signal}<${t.value.text}${grace}`;
}
