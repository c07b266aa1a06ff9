/**
 * Eviction signals as the kubelet names them (pkg/kubelet/eviction/api), the node condition
 * each one drives and the resource it starves.
 */

/** An eviction signal. Every signal is compared with `<` (the kubelet's only operator). */
export type Signal =
  | 'memory.available'
  | 'allocatableMemory.available'
  | 'nodefs.available'
  | 'nodefs.inodesFree'
  | 'imagefs.available'
  | 'imagefs.inodesFree'
  | 'pid.available';

/** Every supported signal, in the kubelet's order. */
export const SIGNALS: readonly Signal[] = [
  'memory.available',
  'allocatableMemory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'pid.available',
];

/** The node conditions eviction reports. */
export type NodeConditionType = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

/** Every node condition, in a fixed order. */
export const NODE_CONDITIONS: readonly NodeConditionType[] = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
];

/** The resource a signal measures (the kubelet's `signalToResource`). */
export type StarvedResource = 'memory' | 'ephemeral-storage' | 'inodes' | 'pids';

const CONDITION: Record<Signal, NodeConditionType> = {
  'memory.available': 'MemoryPressure',
  'allocatableMemory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

const RESOURCE: Record<Signal, StarvedResource> = {
  'memory.available': 'memory',
  'allocatableMemory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'imagefs.available': 'ephemeral-storage',
  'imagefs.inodesFree': 'inodes',
  'pid.available': 'pids',
};

/** Whether `name` is a supported signal. */
export const isSignal = (name: string): name is Signal => Object.hasOwn(CONDITION, name);

/** The node condition a met threshold on `signal` sets (`signalToNodeCondition`). */
export const signalCondition = (signal: Signal): NodeConditionType => CONDITION[signal];

/** The resource `signal` measures (`signalToResource`). */
export const signalResource = (signal: Signal): StarvedResource => RESOURCE[signal];

/** Whether the signal is about memory (ranked first, woken by kernel memory events). */
export const isMemorySignal = (signal: Signal): boolean =>
  signal === 'memory.available' || signal === 'allocatableMemory.available';

/** Whether the signal is about a filesystem (nodefs or imagefs, bytes or inodes). */
export const isDiskSignal = (signal: Signal): boolean => CONDITION[signal] === 'DiskPressure';
