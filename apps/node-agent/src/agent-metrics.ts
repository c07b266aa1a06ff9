import type { LifecycleMetrics, PodRegistry } from '@capstan/pod-lifecycle';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** `RunPodSandbox` -> `run_pod_sandbox`: the kubelet's operation_type label values. */
export function operationType(method: string): string {
  return method.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The agent's Prometheus metrics (/metrics): the lifecycle's measurements, every CRI call,
 * and gauges of the registry's pods and containers computed when scraped.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly startLatency = new Histogram({
    name: 'capstan_pod_start_duration_seconds',
    help: 'From the pod being seen to its containers first running',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly relistLatency = new Histogram({
    name: 'capstan_pleg_relist_duration_seconds',
    help: 'Duration of one PLEG relist',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly syncErrors = new Counter({
    name: 'capstan_pod_sync_errors_total',
    help: 'Pod syncs that failed (runtime errors)',
    registers: [this.registry],
  });
  private readonly runtimeOps = new Histogram({
    name: 'capstan_runtime_operations_duration_seconds',
    help: 'Duration of CRI calls to the runtime, by operation (the kubelet names them alike)',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly runtimeOpErrors = new Counter({
    name: 'capstan_runtime_operations_errors_total',
    help: 'CRI calls to the runtime that failed, by operation',
    labelNames: ['operation_type'] as const,
    registers: [this.registry],
  });

  /** What the lifecycle reports into. */
  readonly lifecycle: LifecycleMetrics = {
    podStarted: (s) => this.startLatency.observe(s),
    relisted: (s) => this.relistLatency.observe(s),
    syncFailed: () => this.syncErrors.inc(),
  };

  constructor(registry: () => PodRegistry) {
    new Gauge({
      name: 'capstan_pods',
      help: 'Pods the agent runs, by phase',
      labelNames: ['phase'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const e of registry().entries()) this.inc({ phase: e.pod.status?.phase ?? 'Pending' });
      },
    });
    new Gauge({
      name: 'capstan_running_pods',
      help: 'Pods with a running sandbox (phase Running)',
      registers: [this.registry],
      collect() {
        this.set(
          registry()
            .entries()
            .filter((e) => e.pod.status?.phase === 'Running').length,
        );
      },
    });
    new Gauge({
      name: 'capstan_running_containers',
      help: "The pods' containers by state, as the kubelet counts them",
      labelNames: ['container_state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const state of ['created', 'running', 'exited'])
          this.set({ container_state: state }, 0);
        for (const e of registry().entries()) {
          const st = e.pod.status;
          for (const cs of [
            ...(st?.initContainerStatuses ?? []),
            ...(st?.containerStatuses ?? []),
          ]) {
            const state = cs.state.running ? 'running' : cs.state.terminated ? 'exited' : 'created';
            this.inc({ container_state: state });
          }
        }
      },
    });
  }

  /** The CRI client's onCallEnd: one observation per call, errors counted. */
  runtimeCall(method: string, ms: number, error: unknown): void {
    const operation = operationType(method);
    this.runtimeOps.observe({ operation_type: operation }, ms / 1000);
    if (error) this.runtimeOpErrors.inc({ operation_type: operation });
  }
}
