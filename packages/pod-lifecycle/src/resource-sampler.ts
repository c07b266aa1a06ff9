import type { RuntimeServiceClient } from '@capstan/cri-api';
import type { LifecycleLogger } from './logger.js';
import {
  containerSample,
  type ResourceUsage,
  type UsageSample,
  usageBetween,
} from './resource-metrics.js';

/** Options of {@link ResourceSampler}. */
export interface ResourceSamplerOptions {
  /** Where container counters come from (any CRI runtime's ListContainerStats). */
  runtime: Pick<RuntimeServiceClient, 'listContainerStats'>;
  /** The node's counters (the node cgroup's, see cgroupSample); none: no node usage. */
  nodeSample?: () => Promise<UsageSample | undefined>;
  /** How often counters are read: metrics-server's resolution (its default is 15 s). */
  periodMs: number;
  logger?: LifecycleLogger;
}

interface Pair {
  prev?: UsageSample;
  last: UsageSample;
}

/**
 * Reads container (CRI) and node counters every `periodMs` and keeps the last two readings
 * of each, so that usage is a rate over the last window, as metrics-server computes it from
 * the kubelet's cumulative counters. A container seen once has no usage yet; one gone
 * from the runtime's list is forgotten.
 */
export class ResourceSampler {
  readonly #o: ResourceSamplerOptions;
  #containers = new Map<string, Pair>();
  #node: Pair | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: ResourceSamplerOptions) {
    this.#o = options;
  }

  /** Reads now, then every period until {@link stop}. */
  start(): void {
    if (this.#timer) return;
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#o.periodMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One reading of every counter (a reading already under way is joined). */
  sample(): Promise<void> {
    this.#running ??= this.#sample().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sample(): Promise<void> {
    const now = Date.now();
    const [stats, node] = await Promise.all([
      this.#o.runtime.listContainerStats({}).then(
        (r) => r.stats,
        (err: unknown) => {
          this.#o.logger?.warn(
            { err },
            'ListContainerStats failed; container usage kept as it was',
          );
          return undefined;
        },
      ),
      this.#o.nodeSample?.().catch((err: unknown) => {
        this.#o.logger?.warn({ err }, 'cannot read the node counters');
        return undefined;
      }),
    ]);
    if (stats) {
      const next = new Map<string, Pair>();
      for (const s of stats) {
        const c = containerSample(s, now);
        if (c) next.set(c.id, advance(this.#containers.get(c.id), c.sample));
      }
      this.#containers = next;
    }
    if (node) this.#node = advance(this.#node, node);
  }

  /** A container's usage over the last window (by runtime container ID). */
  container(id: string): ResourceUsage | undefined {
    const p = this.#containers.get(id);
    return p?.prev ? usageBetween(p.prev, p.last) : undefined;
  }

  /** The node's usage over the last window. */
  node(): ResourceUsage | undefined {
    const p = this.#node;
    return p?.prev ? usageBetween(p.prev, p.last) : undefined;
  }
}

/** The pair after a new reading; a reading no newer than the last is ignored. */
function advance(p: Pair | undefined, s: UsageSample): Pair {
  if (!p) return { last: s };
  if (s.timeMs <= p.last.timeMs) return p;
  // A counter that went back belongs to a cgroup made anew: start over from it.
  if (s.cpuUsageNanos < p.last.cpuUsageNanos) return { last: s };
  return { prev: p.last, last: s };
}
