import { chooseVictim, type EvictionBlocked, type EvictionDecision } from './decision.js';
import {
  type ConditionsObservedAt,
  conditionChanges,
  conditionsLastObservedAt,
  conditionsObservedSince,
  conditionsOf,
  type NodeConditionChange,
} from './node-conditions.js';
import type { NodeObservation } from './observation.js';
import type { EvictablePod } from './pod.js';
import { indexPodUsage } from './rank.js';
import { RECLAIM_ACTIONS, type ReclaimAction, reclaimActionsFor } from './reclaim-plan.js';
import type { NodeConditionType } from './signal.js';
import { hasDedicatedImageFs, observeSignals, type SignalObservations } from './signal-observe.js';
import type { Threshold } from './threshold.js';
import {
  byEvictionPriority,
  mergeThresholds,
  type ThresholdsObservedAt,
  thresholdsFirstObservedAt,
  thresholdsMet,
  thresholdsMetGracePeriod,
  thresholdsUpdatedStats,
} from './threshold-eval.js';

/** What the decision core needs to know; plain data. */
export interface EvictionConfig {
  /** The thresholds, hard and soft (see `parseEvictionSettings`). */
  thresholds: readonly Threshold[];
  /** How long a condition stays set after its last threshold cleared (ms; kubelet: 5 min). */
  pressureTransitionPeriodMs: number;
  /** The longest grace period a soft eviction gives a pod (s; kubelet default 0). */
  maxPodGracePeriodSeconds: number;
  /** Whether imagefs is its own filesystem; derived from each observation when absent. */
  dedicatedImageFs?: boolean;
  /** The reclaim steps the embedder can run (default both); others are skipped. */
  reclaimActions?: readonly ReclaimAction[];
}

/** What the core remembers between syncs. Start from {@link initialEvictionState}. */
export interface EvictionState {
  /** When each met threshold was first seen met. */
  thresholdsFirstObservedAt: ThresholdsObservedAt;
  /** Thresholds whose grace period passed and that have not yet reclaimed their minimum. */
  thresholdsMet: readonly Threshold[];
  /** When each condition was last observed. */
  conditionsLastObservedAt: ConditionsObservedAt;
  /** The conditions reported now. */
  conditions: readonly NodeConditionType[];
  /** The signals of the previous sync. */
  lastSignals: SignalObservations;
}

/** The state before the first sync. */
export function initialEvictionState(): EvictionState {
  return {
    thresholdsFirstObservedAt: [],
    thresholdsMet: [],
    conditionsLastObservedAt: {},
    conditions: [],
    lastSignals: {},
  };
}

/** One sync's input. */
export interface SyncInput {
  /** A fresh observation of the node and its pods. */
  observation: NodeObservation;
  /** The active pods (candidates for eviction). */
  pods: readonly EvictablePod[];
  /** The current time (ms since the epoch). */
  now: number;
}

/** One sync's result. */
export interface SyncResult {
  /** The state to pass to the next sync. */
  state: EvictionState;
  /** The signals observed. */
  signals: SignalObservations;
  /** Thresholds met now, ignoring grace periods (plus those still short of min reclaim). */
  met: Threshold[];
  /** Thresholds to act on: grace period passed and measured since the previous sync. */
  actionable: Threshold[];
  /** The node conditions now. */
  conditions: NodeConditionType[];
  /** Conditions that turned on or off in this sync. */
  conditionChanges: NodeConditionChange[];
  /** The threshold to reclaim for (memory first), when one is actionable. */
  starved?: Threshold;
  /**
   * Node-level reclaim to run before evicting. When non-empty there is no `decision` yet:
   * run the steps, observe again and call {@link decideAfterReclaim}.
   */
  reclaim: ReclaimAction[];
  /** The pod to evict (at most one per sync), when no reclaim comes first. */
  decision?: EvictionDecision;
  /** Why nothing was chosen although a threshold is starved. */
  blocked?: EvictionBlocked;
}

const dedicated = (config: EvictionConfig, obs: NodeObservation) =>
  config.dedicatedImageFs ?? hasDedicatedImageFs(obs);

/**
 * One pass of the kubelet's eviction loop (`synchronize`), with no I/O: from the
 * configuration, the previous state, an observation, the active pods and the time, decide
 * the node conditions, whether to reclaim node resources first, and which pod (if any) to
 * evict. Soft thresholds act after their grace period; a met threshold stays met until
 * its signal is above its level plus its minimum reclaim; conditions stay set for the
 * pressure transition period.
 */
export function synchronize(
  config: EvictionConfig,
  state: EvictionState,
  input: SyncInput,
): SyncResult {
  const { observation, pods, now } = input;
  const signals = observeSignals(observation);
  let met = thresholdsMet(config.thresholds, signals, false);
  if (state.thresholdsMet.length > 0)
    met = mergeThresholds(met, thresholdsMet(state.thresholdsMet, signals, true));
  const firstObservedAt = thresholdsFirstObservedAt(met, state.thresholdsFirstObservedAt, now);
  const lastObservedAt = conditionsLastObservedAt(
    conditionsOf(met),
    state.conditionsLastObservedAt,
    now,
  );
  const conditions = conditionsObservedSince(
    lastObservedAt,
    config.pressureTransitionPeriodMs,
    now,
  );
  const graceMet = thresholdsMetGracePeriod(firstObservedAt, now);
  const actionable = byEvictionPriority(
    thresholdsUpdatedStats(graceMet, signals, state.lastSignals),
  );
  const result: SyncResult = {
    state: {
      thresholdsFirstObservedAt: firstObservedAt,
      thresholdsMet: graceMet,
      conditionsLastObservedAt: lastObservedAt,
      conditions,
      lastSignals: signals,
    },
    signals,
    met,
    actionable,
    conditions,
    conditionChanges: conditionChanges(state.conditions, conditions, now),
    reclaim: [],
  };
  const starved = actionable[0];
  if (!starved) return result;
  result.starved = starved;
  const allowed = config.reclaimActions ?? RECLAIM_ACTIONS;
  result.reclaim = reclaimActionsFor(starved.signal, dedicated(config, observation)).filter((a) =>
    allowed.includes(a),
  );
  if (result.reclaim.length > 0) return result;
  Object.assign(result, decide(config, starved, observation, signals, pods));
  return result;
}

function decide(
  config: EvictionConfig,
  threshold: Threshold,
  observation: NodeObservation,
  signals: SignalObservations,
  pods: readonly EvictablePod[],
) {
  return chooseVictim({
    threshold,
    signals,
    pods,
    usage: indexPodUsage(observation.pods),
    dedicatedImageFs: dedicated(config, observation),
    maxPodGracePeriodSeconds: config.maxPodGracePeriodSeconds,
  });
}

/** The outcome of {@link decideAfterReclaim}. */
export interface AfterReclaimResult {
  /** Reclaim brought every threshold (with its minimum reclaim) back: no eviction. */
  resolved: boolean;
  /** The signals observed after reclaim. */
  signals: SignalObservations;
  /** The pod to evict when reclaim was not enough. */
  decision?: EvictionDecision;
  /** Why nothing was chosen although reclaim was not enough. */
  blocked?: EvictionBlocked;
}

/**
 * After the reclaim steps of a {@link SyncResult} ran: with a fresh observation, decide
 * whether eviction is still needed (the kubelet's `reclaimNodeLevelResources` checks every
 * threshold with its minimum reclaim, grace periods ignored) and, if so, which pod to
 * evict. Pods are ranked on the fresh observation. Pure.
 */
export function decideAfterReclaim(
  config: EvictionConfig,
  sync: SyncResult,
  input: Omit<SyncInput, 'now'>,
): AfterReclaimResult {
  const signals = observeSignals(input.observation);
  if (!sync.starved || thresholdsMet(config.thresholds, signals, true).length === 0)
    return { resolved: true, signals };
  return {
    resolved: false,
    signals,
    ...decide(config, sync.starved, input.observation, signals, input.pods),
  };
}
