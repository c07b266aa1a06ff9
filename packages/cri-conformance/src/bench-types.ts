import type { MemorySample } from './bench-memory.js';
import type { Distribution, Growth } from './bench-stats.js';
import type { StatsCheck } from './bench-stats-check.js';

/** One runtime under test. */
export interface BenchEndpoint {
  name: string;
  endpoint: string;
  /**
   * The cgroup dir that holds every process of this runtime's stack (daemons, helpers,
   * shims; not the containers), e.g. `/sys/fs/cgroup/pids/capstan-bench/containerd-1a2b`.
   * Its `cgroup.procs` is what memory counts. Without it the bench falls back to the
   * processes around the socket (marked `socket` in the report; not comparable).
   */
  cgroup?: string;
}

export interface BenchOptions {
  endpoints: BenchEndpoint[];
  /** A busybox image every endpoint can pull (it is pulled before measuring). */
  image: string;
  /** Lifecycle rounds per endpoint. Default 20. */
  rounds?: number;
  /** Pods in the density test. Default 100; 0 skips it. */
  density?: number;
  /** Pods started at once in the density test (a kubelet's pod workers). Default 8. */
  concurrency?: number;
  /** Measure RunPodSandbox with the pod network too (needs CNI on every endpoint). Default true. */
  podNetwork?: boolean;
  /**
   * Cgroup parent under which each pod gets `<parent>/<pod name>` (the kubelet always sets
   * one; containerd needs it for pod stats); removed from every local hierarchy at the end.
   * Default `/capstan-cri-bench-<pid>`.
   */
  cgroupParent?: string;
  /** Progress lines for a person. */
  onProgress?: (line: string) => void;
}

/** The lifecycle steps measured, in order. */
export const STEPS = [
  'RunPodSandbox (pod network)',
  'RunPodSandbox (host network)',
  'PullImage (present)',
  'CreateContainer',
  'StartContainer',
  'pod start (sandbox+create+start)',
  'ExecSync true',
  'StopContainer',
  'RemoveContainer',
  'StopPodSandbox',
  'RemovePodSandbox',
] as const;
export type Step = (typeof STEPS)[number];

/** The density run's figures for one endpoint. */
export interface DensityResult {
  pods: number;
  concurrency: number;
  /** Sum of the batches this endpoint ran (its pods' wall time, not the other endpoints'). */
  allRunningMs: number;
  /** RunPodSandbox + CreateContainer + StartContainer of each pod, `concurrency` at once. */
  podStartMs: Distribution;
  /** First 10% vs last 10% of the pods, in start order. */
  growth: Growth;
  /** Before the first density pod (after the lifecycle rounds). */
  memoryIdle: MemorySample;
  /** With every density pod running. */
  memoryAt: MemorySample;
  /** (at − idle) / pods. */
  perPod: { rssBytes: number; pssBytes: number };
  listContainersMs: Distribution;
  listPodSandboxMs: Distribution;
  listContainerStatsMs: Distribution;
  listPodSandboxStatsMs: Distribution;
  /** An RPC that failed at density (e.g. stats not implemented): its message. */
  errors: Record<string, string>;
  /** Entries each List RPC returned at density (a fast answer must not be an empty one). */
  listItems: Record<string, number>;
  /** For the stats RPCs (last sample): entries with figures, and the samples' age. */
  statsCheck?: Record<string, StatsCheck>;
  teardownMs: number;
}

export interface EndpointResult {
  name: string;
  endpoint: string;
  runtime: string;
  steps: Record<Step, Distribution>;
  density?: DensityResult;
}

export interface BenchReport {
  /** ISO time the run started. */
  startedAt: string;
  /** Free text about the machine (cores, load), set by the driver. */
  machine?: string;
  rounds: number;
  density: number;
  results: EndpointResult[];
}
