import { isDiskSignal, type Signal } from './signal.js';

/** A node-level reclaim step (the kubelet's container and image garbage collection). */
export type ReclaimAction = 'deleteUnusedContainers' | 'deleteUnusedImages';

/** Both reclaim steps, in the order the kubelet runs them. */
export const RECLAIM_ACTIONS: readonly ReclaimAction[] = [
  'deleteUnusedContainers',
  'deleteUnusedImages',
];

/**
 * The node-level reclaim steps to try before evicting for a signal (the kubelet's
 * `buildSignalToNodeReclaimFuncs`): none for memory and pids; for disk signals, dead
 * containers then unused images — except nodefs on a node with a dedicated imagefs,
 * where neither frees nodefs space.
 */
export function reclaimActionsFor(signal: Signal, dedicatedImageFs: boolean): ReclaimAction[] {
  if (!isDiskSignal(signal)) return [];
  if (dedicatedImageFs && signal.startsWith('nodefs.')) return [];
  return [...RECLAIM_ACTIONS];
}
