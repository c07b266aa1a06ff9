import { InvalidArgumentError } from './errors.js';
import { parseQuantityNanos, type Quantity } from './quantity.js';

/** The Kubernetes pod QoS classes. */
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Requests and limits by resource name (`cpu`, `memory`, `hugepages-2Mi`...), as in a Pod spec. */
export interface ResourceRequirements {
  /** Requested amounts. */
  requests?: Record<string, Quantity>;
  /** Limits. */
  limits?: Record<string, Quantity>;
}

/** The part of a Kubernetes container spec that decides QoS and cgroup limits. */
export interface ContainerResourcesSpec {
  /** Container name (used in error messages only). */
  name?: string;
  /** `resources` of the container. */
  resources?: ResourceRequirements;
  /** `Always` on an init container makes it a sidecar (restartable init container). */
  restartPolicy?: string;
}

/**
 * The part of a Kubernetes pod that decides QoS and cgroup limits; a `v1.Pod`'s
 * `{ uid: metadata.uid, ...spec }` fits as it is.
 */
export interface PodResourcesSpec {
  /** The pod UID (names the pod cgroup). */
  uid: string;
  /** App containers. */
  containers: ContainerResourcesSpec[];
  /** Init containers (sidecars have `restartPolicy: 'Always'`). */
  initContainers?: ContainerResourcesSpec[];
  /** Pod overhead (RuntimeClass), added to requests and limits. */
  overhead?: Record<string, Quantity>;
}

const QOS_RESOURCES = ['cpu', 'memory'] as const;

/**
 * A container's requests after API-server defaulting: a resource with a limit and no
 * request gets a request equal to the limit (`SetDefaults_Pod`). Pods reach the kubelet
 * already defaulted; this package applies the same rule so raw specs classify the same.
 */
export function defaultedRequests(c: ContainerResourcesSpec): Record<string, Quantity> {
  const requests: Record<string, Quantity> = { ...(c.resources?.requests ?? {}) };
  for (const [name, limit] of Object.entries(c.resources?.limits ?? {})) {
    if (requests[name] === undefined) requests[name] = limit;
  }
  return requests;
}

/**
 * The pod's QoS class, exactly as Kubernetes computes it (`ComputePodQOS` in
 * pkg/apis/core/v1/helper/qos, kubernetes/kubernetes; pod-level resources are not
 * supported). Only cpu and memory count, and only non-zero amounts:
 * - BestEffort: no container (init or app) requests or limits cpu or memory;
 * - Guaranteed: every container has a cpu and a memory limit, and for each resource the
 *   pod's summed requests equal its summed limits;
 * - Burstable: anything else.
 *
 * Requests default to limits first (see {@link defaultedRequests}), and a request above its
 * limit is rejected, as the API server does.
 *
 * @throws {InvalidArgumentError} when a quantity is malformed or a request exceeds its limit.
 */
export function computePodQos(
  pod: Pick<PodResourcesSpec, 'containers' | 'initContainers'>,
): QosClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let isGuaranteed = true;
  const all = [
    ...pod.containers.map((c, i) => [c, `containers[${i}]`] as const),
    ...(pod.initContainers ?? []).map((c, i) => [c, `initContainers[${i}]`] as const),
  ];
  for (const [c, field] of all) {
    const req = defaultedRequests(c);
    const lim = c.resources?.limits ?? {};
    const limitsFound = new Set<string>();
    for (const res of QOS_RESOURCES) {
      const r =
        req[res] === undefined ? 0n : parseQuantityNanos(req[res], `${field}.requests.${res}`);
      const l =
        lim[res] === undefined ? undefined : parseQuantityNanos(lim[res], `${field}.limits.${res}`);
      if (l !== undefined && r > l) {
        throw new InvalidArgumentError(
          `${field}${c.name ? ` (${c.name})` : ''}: ${res} request ${String(req[res])} is above its limit ${String(lim[res])}`,
        );
      }
      if (r > 0n) requests.set(res, (requests.get(res) ?? 0n) + r);
      if (l !== undefined && l > 0n) {
        limitsFound.add(res);
        limits.set(res, (limits.get(res) ?? 0n) + l);
      }
    }
    if (!limitsFound.has('cpu') || !limitsFound.has('memory')) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [res, r] of requests) {
      if (limits.get(res) !== r) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
