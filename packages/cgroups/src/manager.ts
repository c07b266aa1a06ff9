import type { CgroupFileSystem } from './cgroup-fs.js';
import type { CgroupLogger } from './logger.js';
import type { MemoryEventWatcher, MemoryWatchOptions } from './memory-events.js';
import type { CgroupMode } from './mount-info.js';
import type { LinuxResources } from './resources.js';
import type { CgroupStats } from './stats.js';

/** The cgroup version a manager drives. */
export type CgroupVersion = 1 | 2;

/** Freezer state of a cgroup. */
export type FreezeState = 'thawed' | 'freezing' | 'frozen';

/** Options every backend accepts. */
export interface CgroupManagerBaseOptions {
  /** The filesystem to use; the real one by default (a fixture tree in tests). */
  fs?: CgroupFileSystem;
  /** Where to report what happened; silent by default. */
  logger?: CgroupLogger;
}

/** Options of {@link CgroupManager.create}. */
export interface CreateOptions {
  /** Do not fail when the cgroup exists: complete it and apply the resources. */
  existOk?: boolean;
}

/** Options of calls that wait for the kernel (freeze, delete, kill). */
export interface WaitOptions {
  /** How long to wait, in ms (default 5000 for delete/kill, 2000 for freeze). */
  timeoutMs?: number;
}

/** Options of {@link CgroupManager.processes}. */
export interface ProcessesOptions {
  /** Include processes of descendant cgroups. */
  recursive?: boolean;
}

/**
 * One interface over cgroup v1 and v2. Paths are cgroup paths relative to the hierarchy
 * root (`/kubepods/burstable/pod<uid>`); resources use the OCI model of
 * {@link LinuxResources}. Every call validates its input before it touches the
 * filesystem, so bad input changes nothing; errors are the typed classes of this package.
 */
export interface CgroupManager {
  /** 1 or 2. */
  readonly version: CgroupVersion;
  /** How this machine mounts cgroups (when the manager was built from mountinfo). */
  readonly mode: CgroupMode | undefined;
  /** Controllers this manager can use (v1: mounted and managed; v2: available at the root). */
  controllers(): Promise<string[]>;
  /**
   * Create a cgroup (and missing ancestors) and apply `resources`. On any failure, what
   * this call created is removed again.
   *
   * @throws {InvalidArgumentError} bad path or resource value (nothing is created).
   * @throws {ControllerMissingError} a resource needs a controller that is not available.
   * @throws {AlreadyExistsError} the cgroup exists and `existOk` is not set.
   */
  create(path: string, resources?: LinuxResources, options?: CreateOptions): Promise<void>;
  /**
   * Change resources of an existing cgroup. All values are checked first; if the kernel
   * refuses one, the files already written are restored.
   *
   * @throws {FailedPreconditionError} e.g. a memory limit below the current working set.
   */
  update(path: string, resources: LinuxResources): Promise<void>;
  /** Read the resources back from the kernel files. */
  resources(path: string): Promise<LinuxResources>;
  /** Whether the cgroup exists (v1: in every managed hierarchy). */
  exists(path: string): Promise<boolean>;
  /** Names of the child cgroups. */
  children(path: string): Promise<string[]>;
  /**
   * Remove the cgroup and its descendants, waiting up to `timeoutMs` for their processes
   * to exit first.
   *
   * @throws {CgroupPopulatedError} processes were still there when the wait ended.
   * @throws {NotFoundError} the cgroup does not exist.
   */
  delete(path: string, options?: WaitOptions): Promise<void>;
  /** SIGKILL every process in the cgroup and its descendants; resolves when they are gone. */
  killAll(path: string, options?: WaitOptions): Promise<number>;
  /** Teardown: {@link killAll} then {@link delete}; a missing cgroup is not an error. */
  destroy(path: string, options?: WaitOptions): Promise<void>;
  /** Move a process (all its threads) into the cgroup. */
  addProcess(path: string, pid: number): Promise<void>;
  /** The process ids in the cgroup (and, with `recursive`, its descendants). */
  processes(path: string, options?: ProcessesOptions): Promise<number[]>;
  /** Freeze every process in the cgroup and its descendants; resolves once frozen. */
  freeze(path: string, options?: WaitOptions): Promise<void>;
  /** Thaw a frozen cgroup. */
  thaw(path: string): Promise<void>;
  /** The freezer state. */
  freezeState(path: string): Promise<FreezeState>;
  /** Read usage statistics (and PSI where the kernel offers it). */
  stats(path: string): Promise<CgroupStats>;
  /** Watch OOM and memory events of the cgroup without polling. */
  watchMemoryEvents(path: string, options?: MemoryWatchOptions): Promise<MemoryEventWatcher>;
  /** The directory of the cgroup on disk (v1: in the given or main hierarchy). */
  directory(path: string, controller?: string): string;
}
