// The resource metrics API (metrics.k8s.io/v1beta1, what metrics-server serves and
// `kubectl top` reads) from cumulative counters: CPU as a rate between two samples,
// memory as the working set of the later one. Pure functions; the sampling is in
// resource-sampler.ts.

import type { CgroupStats } from '@capstan/cgroups';
import type { ContainerStats } from '@capstan/cri-api';
import type { Node, ObjectMeta, Pod } from './pod-types.js';

/** Cumulative counters of a container or the node at one moment. */
export interface UsageSample {
  /** When the counters were read (ms since the epoch, fractional). */
  timeMs: number;
  /** CPU time used since the cgroup was made (ns, all cores). */
  cpuUsageNanos: number;
  /** Memory working set (usage minus inactive file pages, as the kubelet counts it). */
  memoryWorkingSetBytes: number;
}

/** Usage over a window: what one PodMetrics container or a NodeMetrics reports. */
export interface ResourceUsage {
  /** The later sample's time (ms since the epoch). */
  timestampMs: number;
  /** Between the two samples (ms). */
  windowMs: number;
  /** Average CPU over the window, in nanocores (1e9 = one core busy). */
  cpuNanoCores: number;
  /** The later sample's working set. */
  memoryWorkingSetBytes: number;
}

/**
 * Usage between two samples of the same counters; undefined when they cannot give a rate:
 * no time between them, or the CPU counter went back (the cgroup was made anew).
 */
export function usageBetween(prev: UsageSample, cur: UsageSample): ResourceUsage | undefined {
  const windowMs = cur.timeMs - prev.timeMs;
  const cpu = cur.cpuUsageNanos - prev.cpuUsageNanos;
  if (!(windowMs > 0) || cpu < 0) return undefined;
  return {
    timestampMs: cur.timeMs,
    windowMs,
    cpuNanoCores: Math.round((cpu * 1000) / windowMs),
    memoryWorkingSetBytes: cur.memoryWorkingSetBytes,
  };
}

/** A CRI ContainerStats as a sample (keyed by container ID); undefined without CPU counters. */
export function containerSample(
  s: ContainerStats,
  nowMs: number,
): { id: string; sample: UsageSample } | undefined {
  const id = s.attributes?.id;
  const cpu = s.cpu?.usageCoreNanoSeconds;
  if (!id || !cpu) return undefined;
  const ts = s.cpu?.timestamp ?? 0n;
  const memory = s.memory?.workingSetBytes ?? s.memory?.usageBytes;
  return {
    id,
    sample: {
      // The runtime's time of the reading (ns) where it gives one: steadier windows.
      timeMs: ts > 0n ? Number(ts / 1000n) / 1000 : nowMs,
      cpuUsageNanos: Number(cpu.value),
      memoryWorkingSetBytes: Number(memory?.value ?? 0n),
    },
  };
}

/** A cgroup's stats (the node cgroup's) as a sample; undefined without cpu and memory. */
export function cgroupSample(s: CgroupStats): UsageSample | undefined {
  if (!s.cpu || !s.memory) return undefined;
  return {
    timeMs: s.timestamp,
    cpuUsageNanos: s.cpu.usageNanos,
    memoryWorkingSetBytes: s.memory.workingSetBytes,
  };
}

/** CPU as metrics-server writes it: nanocores (`1234567n`). */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** Memory as metrics-server writes it: `2048Ki` when a whole number of KiB, else bytes. */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 && b > 0 ? `${b / 1024}Ki` : String(b);
}

/** A duration as Go's time.Duration.String() writes it (`10.5s`, `1m0.25s`), what metav1.Duration parses. */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  if (ns < 1e6) return ns < 1e3 ? `${ns}ns` : `${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = (ns % 6e10) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

const trim = (x: number) => x.toFixed(9).replace(/\.?0+$/, '');

/** RFC 3339 to the second, as metav1.Time serializes. */
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** metrics.k8s.io/v1beta1 usage of one container. */
export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** metrics.k8s.io/v1beta1 NodeMetrics. */
export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

const usageOf = (u: ResourceUsage) => ({
  cpu: cpuQuantity(u.cpuNanoCores),
  memory: memoryQuantity(u.memoryWorkingSetBytes),
});

/** The metadata metrics-server gives: the object's name, namespace and labels, created now. */
const metaOf = (m: ObjectMeta, nowMs: number): ObjectMeta => ({
  name: m.name,
  ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
  creationTimestamp: rfc3339(nowMs),
  ...(m.labels ? { labels: { ...m.labels } } : {}),
});

/**
 * A pod's PodMetrics from the usage of its running containers (by runtime container ID,
 * as in `status.containerStatuses[].containerID`); undefined while none of them has two
 * samples yet (metrics-server leaves such a pod out: `kubectl top` says "not available yet").
 */
export function podMetrics(
  pod: Pod,
  usage: (containerId: string) => ResourceUsage | undefined,
  nowMs: number,
): PodMetrics | undefined {
  const containers: ContainerMetrics[] = [];
  let latest: ResourceUsage | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    if (!cs.state.running || !cs.containerID) continue;
    const u = usage(cs.containerID.replace(/^[a-z0-9+.-]+:\/\//i, ''));
    if (!u) continue;
    containers.push({ name: cs.name, usage: usageOf(u) });
    if (!latest || u.timestampMs > latest.timestampMs) latest = u;
  }
  if (!latest) return undefined;
  return {
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: metaOf(pod.metadata, nowMs),
    timestamp: rfc3339(latest.timestampMs),
    window: goDuration(latest.windowMs),
    containers,
  };
}

/** The node's NodeMetrics from its usage (the node cgroup's). */
export function nodeMetrics(node: Node, usage: ResourceUsage, nowMs: number): NodeMetrics {
  return {
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: metaOf(node.metadata, nowMs),
    timestamp: rfc3339(usage.timestampMs),
    window: goDuration(usage.windowMs),
    usage: usageOf(usage),
  };
}
