import type { MemoryObservation, NodeObservation } from './observation.js';
import type { Signal } from './signal.js';

/** A signal's value at one moment: what is left and out of how much. */
export interface SignalObservation {
  /** The amount still available (bytes, inodes or pids). */
  available: number;
  /** The total the percentages refer to. */
  capacity: number;
  /** When it was measured (ms since the epoch). */
  time: number;
}

/** Observed signals by name; a signal is absent when it could not be measured. */
export type SignalObservations = Partial<Record<Signal, SignalObservation>>;

function memorySignal(m: MemoryObservation, time: number): SignalObservation {
  // cadvisor's AvailableBytes: capacity - working set, never below 0; the kubelet then
  // reports capacity as available + working set.
  const available = Math.max(0, m.capacityBytes - m.workingSetBytes);
  return { available, capacity: available + m.workingSetBytes, time: m.time ?? time };
}

/**
 * The signals of an observation, as the kubelet's `makeSignalObservations` derives them:
 * - `memory.available` = node capacity − node working set (inactive page cache excluded);
 * - `allocatableMemory.available` = the pods cgroup's limit − its working set;
 * - `nodefs.available` / `imagefs.available` = statfs available bytes, capacity = size;
 * - `nodefs.inodesFree` / `imagefs.inodesFree` = free inodes, capacity = inodes;
 * - `pid.available` = max pids − running tasks, capacity = max pids.
 */
export function observeSignals(obs: NodeObservation): SignalObservations {
  const out: SignalObservations = {};
  if (obs.memory) out['memory.available'] = memorySignal(obs.memory, obs.time);
  if (obs.allocatableMemory)
    out['allocatableMemory.available'] = memorySignal(obs.allocatableMemory, obs.time);
  const fs = [
    ['nodefs', obs.nodefs],
    ['imagefs', obs.imagefs],
  ] as const;
  for (const [name, f] of fs) {
    if (!f) continue;
    const time = f.time ?? obs.time;
    out[`${name}.available`] = { available: f.availableBytes, capacity: f.capacityBytes, time };
    if (f.inodes !== undefined && f.inodesFree !== undefined)
      out[`${name}.inodesFree`] = { available: f.inodesFree, capacity: f.inodes, time };
  }
  if (obs.pids) {
    out['pid.available'] = {
      available: obs.pids.maxPids - obs.pids.running,
      capacity: obs.pids.maxPids,
      time: obs.pids.time ?? obs.time,
    };
  }
  return out;
}

/**
 * Whether imagefs is a filesystem of its own: observed, and on another device than nodefs
 * (or, without device ids, reported as a separate observation object).
 */
export function hasDedicatedImageFs(obs: NodeObservation): boolean {
  const { nodefs, imagefs } = obs;
  if (!imagefs || !nodefs) return false;
  if (imagefs.device !== undefined && nodefs.device !== undefined)
    return imagefs.device !== nodefs.device;
  return imagefs !== nodefs;
}
