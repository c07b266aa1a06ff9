import type { MemoryNotifyLevels } from './memory-levels.js';
import type { NodeObservation } from './observation.js';
import type { EvictablePod } from './pod.js';

/** Why the kernel woke the manager. */
export type WakeReason =
  /** Usage crossed a threshold's crossing level (either direction). */
  | 'memory-threshold'
  /** Usage crossed an early-warning level: sweep fast from now on. */
  | 'memory-warning'
  /** The OOM killer ran in a watched cgroup. */
  | 'oom'
  /** A cgroup v2 `memory.events` counter (`high`, `max`) grew. */
  | 'memory-event';

/** Where the manager gets its observations; `createCgroupStatsProvider` is the real one. */
export interface StatsProvider {
  /** Observe the node and the given active pods now. */
  observe(pods: readonly EvictablePod[]): Promise<NodeObservation>;
  /**
   * Optional: arrange for `wake` to be called when memory usage crosses one of the levels
   * (kernel notifications, no polling). Called after every sync with fresh levels;
   * implementations re-arm only what changed. Called with `[]` to stop watching.
   */
  watchMemory?(
    levels: readonly MemoryNotifyLevels[],
    wake: (reason: WakeReason, detail: Record<string, unknown>) => void,
  ): Promise<void>;
}
