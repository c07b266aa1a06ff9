import { EventEmitter } from 'node:events';
import type { EvictionBlocked, EvictionDecision } from './decision.js';
import {
  decideAfterReclaim,
  type EvictionConfig,
  type EvictionState,
  initialEvictionState,
  type SyncResult,
  synchronize,
} from './eviction-core.js';
import { type EvictionLogger, silentLogger } from './logger.js';
import { memoryNotifyLevels, memoryPressureNear } from './memory-levels.js';
import type { NodeConditionChange } from './node-conditions.js';
import { type EvictablePod, podLabel } from './pod.js';
import type { ReclaimAction } from './reclaim-plan.js';
import type { NodeConditionType, Signal } from './signal.js';
import type { StatsProvider, WakeReason } from './stats-provider.js';
import type { Threshold } from './threshold.js';
import { DEFAULT_PRESSURE_TRANSITION_PERIOD_MS, parseThresholds } from './threshold-parse.js';

/** Node-level reclaim the embedder can do (the kubelet's container and image GC). */
export interface NodeReclaimer {
  /** Remove exited containers and their writable layers and logs. */
  deleteUnusedContainers?(): Promise<void> | void;
  /** Remove images no container uses. */
  deleteUnusedImages?(): Promise<void> | void;
}

/** Options of {@link EvictionManager}. */
export interface EvictionManagerOptions {
  /** Thresholds (from `parseEvictionSettings`), or hard ones in flag syntax (`memory.available<100Mi,...`). */
  thresholds: readonly Threshold[] | string;
  /** Where observations come from (`createCgroupStatsProvider()` on a real node). */
  statsProvider: StatsProvider;
  /** The active pods: the candidates for eviction. */
  podProvider: () => readonly EvictablePod[] | Promise<readonly EvictablePod[]>;
  /**
   * Evict the pod: kill it with `decision.gracePeriodSeconds` and mark it Failed/Evicted.
   * Resolve when its processes are gone (the kubelet waits too), so that the next sync
   * measures the node without it.
   */
  evictPod: (pod: EvictablePod, decision: EvictionDecision) => unknown;
  /** Node-level reclaim tried before evicting for disk pressure. */
  reclaim?: NodeReclaimer;
  /** How long a condition stays set after its thresholds cleared (ms; default 5 min). */
  pressureTransitionPeriodMs?: number;
  /** The longest grace period of a soft eviction, in seconds (default 0). */
  maxPodGracePeriodSeconds?: number;
  /** Whether imagefs is its own disk; derived from observations when absent. */
  dedicatedImageFs?: boolean;
  /** The periodic sweep (ms; default 10 000, the kubelet's housekeeping interval). */
  sweepIntervalMs?: number;
  /** The sweep while memory is within one threshold-width of a threshold (ms; default 500). */
  fastSweepIntervalMs?: number;
  /** Use the provider's kernel memory notifications (default true). */
  kernelNotifications?: boolean;
  /** The clock (ms since the epoch); `Date.now` by default. */
  clock?: () => number;
  /** Where to report; silent by default. */
  logger?: EvictionLogger;
}

/** What started a sync. */
export type SyncTrigger =
  | 'start'
  | 'sweep'
  | 'fast-sweep'
  | 'after-eviction'
  | 'manual'
  | WakeReason;

/** A decision as the manager emits it, with what woke it and when. */
export interface EvictionEvent {
  /** The decision. */
  decision: EvictionDecision;
  /** What started the sync that decided. */
  trigger: SyncTrigger;
  /** When the trigger arrived (ms since the epoch). */
  wokenAt: number;
  /** When the pod was chosen (ms since the epoch), before `evictPod` is called. */
  decidedAt: number;
}

/** One sync as the manager reports it. */
export interface SyncReport {
  /** What started it. */
  trigger: SyncTrigger;
  /** When the trigger arrived. */
  wokenAt: number;
  /** The core's result. */
  result: SyncResult;
  /** The reclaim steps run, and whether they resolved the pressure. */
  reclaim?: { signal: Signal; actions: ReclaimAction[]; resolved: boolean };
  /** The decision, if a pod was chosen. */
  decision?: EvictionDecision;
  /** Why no pod was chosen although one was needed. */
  blocked?: EvictionBlocked;
}

/** Events of {@link EvictionManager}. */
export type EvictionManagerEvents = {
  /** A node condition turned on or off. */
  condition: [change: NodeConditionChange];
  /** A pod was chosen for eviction (emitted before `evictPod` runs). */
  decision: [event: EvictionEvent];
  /** `evictPod` finished (with its error, if it threw). */
  evicted: [event: EvictionEvent & { error?: unknown }];
  /** Node-level reclaim ran. */
  reclaim: [info: { signal: Signal; actions: ReclaimAction[]; resolved: boolean }];
  /** A sync finished. */
  sync: [report: SyncReport];
  /** A sync failed (only emitted when someone listens; always logged). */
  error: [err: unknown];
};

/**
 * The kubelet's eviction manager for any agent, reacting within a second: syncs run on a
 * periodic sweep and whenever the kernel reports memory crossing a threshold level, with
 * fast sweeps while memory is close to a threshold. Each sync observes, runs the pure core
 * ({@link synchronize}), reclaims node resources first where that can help, and evicts at
 * most one pod, then observes again.
 */
export class EvictionManager extends EventEmitter<EvictionManagerEvents> {
  /** The configuration the core runs with. */
  readonly config: EvictionConfig;
  readonly #o: EvictionManagerOptions;
  readonly #log: EvictionLogger;
  readonly #clock: () => number;
  #state: EvictionState = initialEvictionState();
  #started = false;
  #fast = false;
  #timer: NodeJS.Timeout | undefined;
  #queued:
    | { trigger: SyncTrigger; at: number; waiters: Array<(r?: SyncReport) => void> }
    | undefined;
  #drain: Promise<void> | undefined;
  readonly #evicted = new Set<string>();

  /** Configure the manager; nothing runs until {@link start}. */
  constructor(options: EvictionManagerOptions) {
    super();
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    const thresholds =
      typeof options.thresholds === 'string'
        ? parseThresholds(options.thresholds)
        : options.thresholds;
    const reclaimActions: ReclaimAction[] = [];
    if (options.reclaim?.deleteUnusedContainers) reclaimActions.push('deleteUnusedContainers');
    if (options.reclaim?.deleteUnusedImages) reclaimActions.push('deleteUnusedImages');
    this.config = {
      thresholds,
      pressureTransitionPeriodMs:
        options.pressureTransitionPeriodMs ?? DEFAULT_PRESSURE_TRANSITION_PERIOD_MS,
      maxPodGracePeriodSeconds: options.maxPodGracePeriodSeconds ?? 0,
      reclaimActions,
      ...(options.dedicatedImageFs !== undefined
        ? { dedicatedImageFs: options.dedicatedImageFs }
        : {}),
    };
  }

  /** The core's state after the last sync. */
  get state(): EvictionState {
    return this.#state;
  }

  /** The node conditions now. */
  get conditions(): readonly NodeConditionType[] {
    return this.#state.conditions;
  }

  /** Whether MemoryPressure is set. */
  isUnderMemoryPressure(): boolean {
    return this.#state.conditions.includes('MemoryPressure');
  }

  /** Whether DiskPressure is set. */
  isUnderDiskPressure(): boolean {
    return this.#state.conditions.includes('DiskPressure');
  }

  /** Whether PIDPressure is set. */
  isUnderPidPressure(): boolean {
    return this.#state.conditions.includes('PIDPressure');
  }

  /** Start: run a first sync, arm notifications and the sweep. Resolves after that sync. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.sync('start');
  }

  /** Stop the sweep and the notifications and wait for a running sync. Idempotent. */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#drain) await this.#drain;
    clearTimeout(this.#timer);
    await this.#o.statsProvider
      .watchMemory?.([], () => {})
      .catch((err: unknown) => this.#log.warn({ err }, 'closing memory notifications failed'));
  }

  /**
   * Sync now (or as soon as the running sync ends; requests made meanwhile are merged).
   * Resolves with the report, or `undefined` if the sync failed.
   */
  sync(trigger: SyncTrigger = 'manual'): Promise<SyncReport | undefined> {
    return new Promise((resolve) => {
      if (this.#queued) this.#queued.waiters.push(resolve);
      else this.#queued = { trigger, at: this.#clock(), waiters: [resolve] };
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#drain) return;
    this.#drain = this.#run().finally(() => {
      this.#drain = undefined;
      if (this.#queued) this.#kick();
      else this.#schedule();
    });
  }

  #wake = (reason: WakeReason, detail: Record<string, unknown>) => {
    if (!this.#started) return;
    if (reason === 'memory-warning') this.#fast = true;
    this.#log.debug?.({ reason, ...detail }, 'woken by the kernel');
    void this.sync(reason);
  };

  #schedule(): void {
    clearTimeout(this.#timer);
    if (!this.#started || this.#queued) return;
    const fast = this.#fast;
    const ms = fast ? (this.#o.fastSweepIntervalMs ?? 500) : (this.#o.sweepIntervalMs ?? 10_000);
    this.#timer = setTimeout(() => void this.sync(fast ? 'fast-sweep' : 'sweep'), ms);
  }

  async #run(): Promise<void> {
    while (this.#queued) {
      const q = this.#queued;
      this.#queued = undefined;
      clearTimeout(this.#timer);
      let report: SyncReport | undefined;
      try {
        report = await this.#syncOnce(q.trigger, q.at);
      } catch (err) {
        this.#log.warn({ err, trigger: q.trigger }, 'eviction sync failed');
        if (this.listenerCount('error') > 0) this.emit('error', err);
      }
      for (const w of q.waiters) w(report);
    }
  }

  async #pods(): Promise<EvictablePod[]> {
    const all = await this.#o.podProvider();
    const uids = new Set(all.map((p) => p.uid));
    for (const uid of this.#evicted) if (!uids.has(uid)) this.#evicted.delete(uid);
    // Pods already evicted but still listed are not candidates again.
    return all.filter((p) => !this.#evicted.has(p.uid));
  }

  async #syncOnce(trigger: SyncTrigger, wokenAt: number): Promise<SyncReport> {
    const provider = this.#o.statsProvider;
    const pods = await this.#pods();
    const observation = await provider.observe(pods);
    const result = synchronize(this.config, this.#state, {
      observation,
      pods,
      now: this.#clock(),
    });
    this.#state = result.state;
    for (const change of result.conditionChanges) {
      this.#log.info?.({ condition: change.type, status: change.status }, 'node condition changed');
      this.emit('condition', change);
    }
    this.#fast = memoryPressureNear(this.config, result.signals);
    if (this.#started && this.#o.kernelNotifications !== false && provider.watchMemory) {
      await provider
        .watchMemory(memoryNotifyLevels(this.config, observation), this.#wake)
        .catch((err: unknown) => this.#log.warn({ err }, 'arming memory notifications failed'));
    }
    const report: SyncReport = { trigger, wokenAt, result };
    let { decision, blocked } = result;
    if (result.starved && result.reclaim.length > 0) {
      const signal = result.starved.signal;
      for (const action of result.reclaim) {
        try {
          await this.#o.reclaim?.[action]?.();
        } catch (err) {
          this.#log.warn({ err, action, signal }, 'node-level reclaim step failed');
        }
      }
      const after = decideAfterReclaim(this.config, result, {
        observation: await provider.observe(pods),
        pods,
      });
      report.reclaim = { signal, actions: result.reclaim, resolved: after.resolved };
      this.#log.info?.(report.reclaim, 'node-level reclaim ran');
      this.emit('reclaim', report.reclaim);
      ({ decision, blocked } = after);
    }
    if (blocked) {
      report.blocked = blocked;
      this.#log.warn({ signal: result.starved?.signal, blocked }, 'threshold met, no pod evicted');
    }
    if (decision) {
      report.decision = decision;
      const event: EvictionEvent = { decision, trigger, wokenAt, decidedAt: this.#clock() };
      this.#log.info?.(
        {
          pod: podLabel(decision.pod),
          signal: decision.signal,
          trigger,
          message: decision.message,
        },
        'evicting pod',
      );
      this.emit('decision', event);
      let error: unknown;
      try {
        await this.#o.evictPod(decision.pod, decision);
      } catch (err) {
        error = err;
        this.#log.warn({ err, pod: podLabel(decision.pod) }, 'evictPod failed');
      }
      this.#evicted.add(decision.pod.uid);
      this.emit('evicted', error === undefined ? event : { ...event, error });
      // One pod per sync, then observe again at once.
      if (this.#started) void this.sync('after-eviction');
    }
    this.emit('sync', report);
    return report;
  }
}
