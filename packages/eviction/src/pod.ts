import { aggregatePodResources, type PodResourcesSpec } from '@capstan/cgroups';

/** The priority of the `system-cluster-critical` class; pods at or above it are critical. */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/**
 * A pod the manager may evict: its resources (a `v1.Pod`'s `{ uid: metadata.uid, ...spec }`
 * fits) plus what ranking and the eviction callback need.
 */
export interface EvictablePod extends PodResourcesSpec {
  /** `metadata.name`, for messages. */
  name?: string;
  /** `metadata.namespace`, for messages. */
  namespace?: string;
  /** `spec.priority` (0 when absent). Lower priority is evicted first. */
  priority?: number;
  /** A static pod (from a file or URL source): critical, never evicted. */
  static?: boolean;
  /** A mirror pod (annotation `kubernetes.io/config.mirror`): critical, never evicted. */
  mirror?: boolean;
  /** `spec.terminationGracePeriodSeconds`; a soft eviction gives at most this. */
  terminationGracePeriodSeconds?: number;
  /** The pod's cgroup path, if the stats provider should not look it up. */
  cgroupPath?: string;
}

/**
 * The kubelet's `IsCriticalPod`: static pods, mirror pods, and pods whose priority is at
 * least {@link SYSTEM_CRITICAL_PRIORITY}. The eviction manager never evicts them.
 */
export function isCriticalPod(pod: EvictablePod): boolean {
  return !!pod.static || !!pod.mirror || (pod.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

/** `metadata.namespace/name`, or the UID when the pod has no name. */
export const podLabel = (pod: EvictablePod): string =>
  pod.name ? `${pod.namespace ? `${pod.namespace}/` : ''}${pod.name}` : pod.uid;

/**
 * The pod's request of a resource in whole units (the kubelet's
 * `GetResourceRequestQuantity`: app containers and sidecars summed, or the largest init
 * container if larger, plus overhead; limits stand in for missing requests). 0 when none.
 */
export function podRequest(pod: EvictablePod, resource: string): number {
  const nanos = aggregatePodResources(pod, 'requests').get(resource) ?? 0n;
  return Number((nanos + 999_999_999n) / 1_000_000_000n);
}
