import { NODE_CONDITIONS, type NodeConditionType, signalCondition } from './signal.js';
import type { Threshold } from './threshold.js';

/** When each node condition was last observed (ms since the epoch). */
export type ConditionsObservedAt = Readonly<Partial<Record<NodeConditionType, number>>>;

/** A node condition turning on or off. */
export interface NodeConditionChange {
  /** The condition. */
  type: NodeConditionType;
  /** `true` when it is now set, `false` when it cleared. */
  status: boolean;
  /** When the change was decided (ms since the epoch). */
  at: number;
}

/** The conditions the met thresholds drive (the kubelet's `nodeConditions`), in fixed order. */
export function conditionsOf(met: readonly Threshold[]): NodeConditionType[] {
  const set = new Set(met.map((t) => signalCondition(t.signal)));
  return NODE_CONDITIONS.filter((c) => set.has(c));
}

/** Conditions observed now get `now`; the others keep their previous time. */
export function conditionsLastObservedAt(
  observed: readonly NodeConditionType[],
  last: ConditionsObservedAt,
  now: number,
): ConditionsObservedAt {
  const out: Partial<Record<NodeConditionType, number>> = { ...last };
  for (const c of observed) out[c] = now;
  return out;
}

/**
 * The conditions observed within the last `periodMs` (the kubelet's
 * `nodeConditionsObservedSince`): a condition stays set for the whole pressure transition
 * period after its last threshold cleared, so that it does not flap.
 */
export function conditionsObservedSince(
  observedAt: ConditionsObservedAt,
  periodMs: number,
  now: number,
): NodeConditionType[] {
  return NODE_CONDITIONS.filter((c) => {
    const at = observedAt[c];
    return at !== undefined && now - at < periodMs;
  });
}

/** What changed between two condition sets. */
export function conditionChanges(
  before: readonly NodeConditionType[],
  after: readonly NodeConditionType[],
  at: number,
): NodeConditionChange[] {
  const out: NodeConditionChange[] = [];
  for (const type of NODE_CONDITIONS) {
    const was = before.includes(type);
    const is = after.includes(type);
    if (was !== is) out.push({ type, status: is, at });
  }
  return out;
}
