import { type EvictablePod, isCriticalPod, podLabel, podRequest } from './pod.js';
import { type PodUsageIndex, rankForSignal } from './rank.js';
import { type Signal, type StarvedResource, signalResource } from './signal.js';
import type { SignalObservations } from './signal-observe.js';
import { isHardThreshold, type Threshold, thresholdQuantity } from './threshold.js';

/** The kubelet's grace period for a hard eviction: 1 second. */
export const HARD_EVICTION_GRACE_PERIOD_SECONDS = 1;

/** A decision to evict one pod. */
export interface EvictionDecision {
  /** The pod to evict. */
  pod: EvictablePod;
  /** The signal that is starved. */
  signal: Signal;
  /** The resource to reclaim. */
  resource: StarvedResource;
  /** The threshold that drove the decision. */
  threshold: Threshold;
  /** A hard threshold (act at once) or a soft one whose grace period has passed. */
  hard: boolean;
  /**
   * The grace period to kill the pod with: 1 s for a hard threshold; for a soft one the
   * smaller of the pod's `terminationGracePeriodSeconds` and `maxPodGracePeriodSeconds`.
   */
  gracePeriodSeconds: number;
  /** The kubelet's eviction message (`The node was low on resource: memory. ...`). */
  message: string;
  /** The signal's available amount and the threshold's amount when decided. */
  available: number;
  /** The threshold's amount at the observed capacity. */
  thresholdAmount: number;
  /** When the signal was measured (ms since the epoch). */
  observedAt: number;
  /** Every candidate in eviction order (UIDs; critical pods left out). */
  ranking: string[];
}

/** Why no pod was chosen although a threshold asked for one. */
export type EvictionBlocked = 'no-pods' | 'only-critical-pods' | 'no-observation';

const BINARY = [
  ['Ei', 2 ** 60],
  ['Pi', 2 ** 50],
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
] as const;

/** An amount as the kubelet prints a quantity: bytes in the largest exact binary unit. */
export function formatAmount(n: number, resource: StarvedResource): string {
  if (resource !== 'memory' && resource !== 'ephemeral-storage') return String(n);
  for (const [suffix, size] of BINARY) if (n !== 0 && n % size === 0) return `${n / size}${suffix}`;
  return String(n);
}

function podUsageOf(pod: EvictablePod, resource: StarvedResource, usage: PodUsageIndex) {
  const u = usage.get(pod.uid);
  if (!u) return undefined;
  const disk = (f: 'bytes' | 'inodes') =>
    (u.rootfs?.[f] ?? 0) + (u.logs?.[f] ?? 0) + (u.volumes?.[f] ?? 0);
  switch (resource) {
    case 'memory':
      return u.memoryWorkingSetBytes;
    case 'ephemeral-storage':
      return disk('bytes');
    case 'inodes':
      return disk('inodes');
    case 'pids':
      return u.processes;
  }
}

/**
 * Rank the pods for the starved threshold and pick the first one that is not critical
 * (the kubelet tries `evictPod` down the ranking; it refuses critical pods). Pure.
 */
export function chooseVictim(options: {
  threshold: Threshold;
  signals: SignalObservations;
  pods: readonly EvictablePod[];
  usage: PodUsageIndex;
  dedicatedImageFs: boolean;
  maxPodGracePeriodSeconds: number;
}): { decision?: EvictionDecision; blocked?: EvictionBlocked } {
  const { threshold, signals, pods, usage } = options;
  const observed = signals[threshold.signal];
  if (!observed) return { blocked: 'no-observation' };
  if (pods.length === 0) return { blocked: 'no-pods' };
  const ranked = rankForSignal(threshold.signal, pods, usage, options.dedicatedImageFs).filter(
    (p) => !isCriticalPod(p),
  );
  const pod = ranked[0];
  if (!pod) return { blocked: 'only-critical-pods' };
  const resource = signalResource(threshold.signal);
  const hard = isHardThreshold(threshold);
  const gracePeriodSeconds = hard
    ? HARD_EVICTION_GRACE_PERIOD_SECONDS
    : Math.min(
        pod.terminationGracePeriodSeconds ?? options.maxPodGracePeriodSeconds,
        options.maxPodGracePeriodSeconds,
      );
  const thresholdAmount = thresholdQuantity(threshold.value, observed.capacity);
  let message = `The node was low on resource: ${resource}. Threshold quantity: ${formatAmount(thresholdAmount, resource)}, available: ${formatAmount(observed.available, resource)}. `;
  const used = podUsageOf(pod, resource, usage);
  if (used !== undefined && (resource === 'memory' || resource === 'ephemeral-storage')) {
    const request = podRequest(pod, resource);
    if (used > request)
      message += `Pod ${podLabel(pod)} was using ${formatAmount(used, resource)}, request is ${formatAmount(request, resource)}, has larger consumption of ${resource}. `;
  }
  return {
    decision: {
      pod,
      signal: threshold.signal,
      resource,
      threshold,
      hard,
      gracePeriodSeconds,
      message,
      available: observed.available,
      thresholdAmount,
      observedAt: observed.time,
      ranking: ranked.map((p) => p.uid),
    },
  };
}
