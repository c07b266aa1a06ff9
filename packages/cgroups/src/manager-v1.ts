import { join } from 'node:path';
import { type CgroupFileSystem, nodeCgroupFs } from './cgroup-fs.js';
import { cgroupPathComponents, nonRootCgroupPath, normalizeCgroupPath } from './cgroup-path.js';
import {
  AlreadyExistsError,
  ControllerMissingError,
  errnoCode,
  NotFoundError,
  UnavailableError,
} from './errors.js';
import { watchV1Memory } from './events-v1.js';
import { type CgroupLogger, silentLogger } from './logger.js';
import type {
  CgroupManager,
  CgroupManagerBaseOptions,
  CreateOptions,
  FreezeState,
  ProcessesOptions,
  WaitOptions,
} from './manager.js';
import {
  FileTransaction,
  parsePids,
  readOptional,
  validatePid,
  writeError,
} from './manager-common.js';
import { freezeLoop, killLoop, removeTree, waitEmpty } from './manager-teardown.js';
import type { MemoryEventWatcher, MemoryWatchOptions } from './memory-events.js';
import { type CgroupMode, type CgroupMounts, detectCgroupMounts } from './mount-info.js';
import type { LinuxResources } from './resources.js';
import { validateResources } from './resources-validate.js';
import type { CgroupStats } from './stats.js';
import { applyV1Resources, checkV1Support, readV1Resources, type V1DirOf } from './v1-resources.js';
import { readV1Stats } from './v1-stats.js';

/** The v1 controllers a manager uses by default (those that are mounted). */
export const DEFAULT_V1_CONTROLLERS: readonly string[] = [
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'pids',
  'freezer',
  'blkio',
  'hugetlb',
];

/** Options of {@link CgroupV1Manager}. */
export interface CgroupV1ManagerOptions extends CgroupManagerBaseOptions {
  /** The cgroup mounts; read from /proc/self/mountinfo by default. */
  mounts?: CgroupMounts;
  /** The controllers to manage (default {@link DEFAULT_V1_CONTROLLERS}, those mounted). */
  controllers?: readonly string[];
}

/**
 * The cgroup v1 backend: one directory per managed hierarchy (`/sys/fs/cgroup/<ctrl>/<path>`),
 * created and removed together. Freezing uses the freezer hierarchy, OOM events the memory
 * hierarchy's `cgroup.event_control` with an eventfd.
 */
export class CgroupV1Manager implements CgroupManager {
  /** Always 1. */
  readonly version = 1 as const;
  /** The machine's cgroup mode, from the mounts used. */
  readonly mode: CgroupMode | undefined;
  readonly #fs: CgroupFileSystem;
  readonly #logger: CgroupLogger;
  /** controller -> mount point, for managed and mounted controllers. */
  readonly #mounts = new Map<string, string>();
  /** Unique mount points (co-mounted controllers share one). */
  readonly #hierarchies: string[];
  /**
   * The other cgroup mounts (named hierarchies such as `name=systemd`, unmanaged
   * controllers, the cgroup2 mount of hybrid mode): runc creates a container's cgroup in
   * each of them too, so delete removes the path there as well when it is present.
   */
  readonly #companions: string[];
  readonly #primary: string;

  /**
   * Use the managed controllers that are mounted.
   *
   * @throws {UnavailableError} when none of them is mounted.
   */
  constructor(options: CgroupV1ManagerOptions = {}) {
    const mounts = options.mounts ?? detectCgroupMounts();
    this.mode = mounts.mode;
    this.#fs = options.fs ?? nodeCgroupFs;
    this.#logger = options.logger ?? silentLogger;
    for (const c of options.controllers ?? DEFAULT_V1_CONTROLLERS) {
      const m = mounts.v1.get(c);
      if (m) this.#mounts.set(c, m.mountPoint);
    }
    this.#hierarchies = [...new Set(this.#mounts.values())];
    const others = [...mounts.v1.values()].map((m) => m.mountPoint);
    if (mounts.unified) others.push(mounts.unified.mountPoint);
    this.#companions = [...new Set(others)].filter((mp) => !this.#hierarchies.includes(mp));
    const primary = this.#mounts.get('memory') ?? this.#hierarchies[0];
    if (!primary) throw new UnavailableError('no cgroup v1 controller is mounted');
    this.#primary = primary;
  }

  /** The managed v1 controllers that are mounted. */
  async controllers(): Promise<string[]> {
    return [...this.#mounts.keys()];
  }

  /** The directory of `path` in the hierarchy of `controller` (default: memory, else the first one). */
  directory(path: string, controller?: string): string {
    const p = normalizeCgroupPath(path);
    const mp = controller === undefined ? this.#primary : this.#mounts.get(controller);
    if (!mp)
      throw new ControllerMissingError(
        controller ?? '',
        `the v1 ${controller} controller is not mounted or not managed`,
      );
    return p === '/' ? mp : join(mp, p);
  }

  #dirOf(p: string): V1DirOf {
    return (c) => {
      const mp = this.#mounts.get(c);
      return mp === undefined ? undefined : p === '/' ? mp : join(mp, p);
    };
  }

  async #presence(p: string): Promise<boolean[]> {
    return Promise.all(this.#hierarchies.map((mp) => this.#fs.exists(join(mp, p))));
  }

  /** Whether the cgroup exists in every managed hierarchy. */
  async exists(path: string): Promise<boolean> {
    const p = normalizeCgroupPath(path);
    return (await this.#presence(p)).every(Boolean);
  }

  async #mustExist(p: string): Promise<void> {
    if (!(await this.#fs.exists(join(this.#primary, p))))
      throw new NotFoundError(`cgroup ${p} does not exist (${join(this.#primary, p)})`);
  }

  /** Create the cgroup in every managed hierarchy, then apply `resources`; see {@link CgroupManager.create}. */
  async create(
    path: string,
    resources: LinuxResources = {},
    options: CreateOptions = {},
  ): Promise<void> {
    const p = nonRootCgroupPath(path);
    validateResources(resources);
    await checkV1Support(this.#fs, this.#dirOf('/'), resources);
    const presence = await this.#presence(p);
    if (presence.every(Boolean) && !options.existOk)
      throw new AlreadyExistsError(`cgroup ${p} already exists`);
    const created: string[] = [];
    const tx = new FileTransaction(this.#fs, this.#logger);
    const cpusetMount = this.#mounts.get('cpuset');
    try {
      const parts = cgroupPathComponents(p);
      for (const mp of this.#hierarchies) {
        let dir = mp;
        for (const part of parts) {
          const parent = dir;
          dir = join(dir, part);
          if (await this.#fs.exists(dir)) continue;
          try {
            await this.#fs.mkdir(dir);
          } catch (err) {
            if (errnoCode(err) !== 'EEXIST') throw writeError(err, dir, '(mkdir)');
            continue;
          }
          created.push(dir);
          // A new v1 cpuset starts with no CPUs and no memory nodes: inherit the parent's.
          if (mp === cpusetMount) {
            for (const f of ['cpuset.cpus', 'cpuset.mems']) {
              if ((await tx.read(join(dir, f))).trim() === '')
                await tx.write(join(dir, f), (await tx.read(join(parent, f))).trim());
            }
          }
        }
      }
      await applyV1Resources(this.#fs, tx, this.#dirOf(p), p, resources);
    } catch (err) {
      await tx.rollback();
      for (const dir of created.reverse()) {
        await this.#fs
          .rmdir(dir)
          .catch((e: unknown) =>
            this.#logger.warn({ dir, err: e }, 'could not remove a cgroup while undoing create'),
          );
      }
      throw err;
    }
    this.#logger.debug?.({ path: p, created: created.length }, 'cgroup v1 created');
  }

  /** Apply `resources` to an existing cgroup, restoring written files on failure; see {@link CgroupManager.update}. */
  async update(path: string, resources: LinuxResources): Promise<void> {
    const p = nonRootCgroupPath(path);
    validateResources(resources);
    await checkV1Support(this.#fs, this.#dirOf('/'), resources);
    await this.#mustExist(p);
    const tx = new FileTransaction(this.#fs, this.#logger);
    try {
      await applyV1Resources(this.#fs, tx, this.#dirOf(p), p, resources);
    } catch (err) {
      await tx.rollback();
      throw err;
    }
  }

  /** Read the resources back from the v1 files. */
  async resources(path: string): Promise<LinuxResources> {
    const p = normalizeCgroupPath(path);
    await this.#mustExist(p);
    return readV1Resources(this.#fs, this.#dirOf(p));
  }

  /** Names of the child cgroups (in the main hierarchy). */
  async children(path: string): Promise<string[]> {
    const p = normalizeCgroupPath(path);
    await this.#mustExist(p);
    return this.#fs.listDirs(join(this.#primary, p));
  }

  async #procsIn(dir: string, recursive: boolean): Promise<number[]> {
    const text = await readOptional(this.#fs, join(dir, 'cgroup.procs'));
    const pids = text === undefined ? [] : parsePids(text);
    if (recursive && text !== undefined) {
      for (const child of await this.#fs.listDirs(dir).catch(() => []))
        pids.push(...(await this.#procsIn(join(dir, child), true)));
    }
    return pids;
  }

  /** Process ids from `cgroup.procs` of the main hierarchy. */
  async processes(path: string, options: ProcessesOptions = {}): Promise<number[]> {
    const p = normalizeCgroupPath(path);
    await this.#mustExist(p);
    return this.#procsIn(join(this.#primary, p), options.recursive ?? false);
  }

  /** Every pid in the subtree, in any managed hierarchy. */
  async #allPids(p: string): Promise<number[]> {
    const all = new Set<number>();
    for (const mp of this.#hierarchies)
      for (const pid of await this.#procsIn(join(mp, p), true)) all.add(pid);
    return [...all];
  }

  /** Write `pid` to `cgroup.procs` of every managed hierarchy. */
  async addProcess(path: string, pid: number): Promise<void> {
    const p = nonRootCgroupPath(path);
    validatePid(pid);
    await this.#mustExist(p);
    for (const mp of this.#hierarchies) {
      const file = join(mp, p, 'cgroup.procs');
      try {
        await this.#fs.writeFile(file, String(pid));
      } catch (err) {
        if (errnoCode(err) === 'ESRCH')
          throw new NotFoundError(`process ${pid} does not exist (adding it to ${p})`, {
            cause: err,
          });
        throw writeError(err, file, String(pid));
      }
    }
  }

  #freezerFile(p: string): string {
    const mp = this.#mounts.get('freezer');
    if (!mp)
      throw new ControllerMissingError(
        'freezer',
        `freezing ${p} needs the v1 freezer controller, which is not mounted`,
      );
    return join(mp, p, 'freezer.state');
  }

  /** Write FROZEN to `freezer.state` and wait until the kernel reports FROZEN. */
  async freeze(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    const file = this.#freezerFile(p);
    await this.#mustExist(p);
    await freezeLoop({
      path: p,
      timeoutMs: options.timeoutMs ?? 2000,
      request: () => this.#write(file, 'FROZEN'),
      isFrozen: async () => (await this.freezeState(p)) === 'frozen',
      undo: () => this.#write(file, 'THAWED'),
    });
  }

  /** Write THAWED to `freezer.state`. */
  async thaw(path: string): Promise<void> {
    const p = nonRootCgroupPath(path);
    const file = this.#freezerFile(p);
    await this.#mustExist(p);
    await this.#write(file, 'THAWED');
  }

  /** The state in `freezer.state`. */
  async freezeState(path: string): Promise<FreezeState> {
    const p = nonRootCgroupPath(path);
    const file = this.#freezerFile(p);
    const text = await readOptional(this.#fs, file);
    if (text === undefined)
      throw new NotFoundError(`cgroup ${p} does not exist in the freezer hierarchy`);
    return text.trim().toLowerCase() as FreezeState;
  }

  async #write(file: string, value: string): Promise<void> {
    try {
      await this.#fs.writeFile(file, value);
    } catch (err) {
      throw writeError(err, file, value);
    }
  }

  /** Freeze, SIGKILL every process of the subtree (all hierarchies), thaw; repeat until empty. */
  async killAll(path: string, options: WaitOptions = {}): Promise<number> {
    const p = nonRootCgroupPath(path);
    if (!(await this.#presence(p)).some(Boolean)) return 0;
    const hasFreezer =
      this.#mounts.has('freezer') &&
      (await this.#fs.exists(join(this.#mounts.get('freezer') as string, p)));
    const file = hasFreezer ? this.#freezerFile(p) : undefined;
    return killLoop({
      path: p,
      timeoutMs: options.timeoutMs ?? 5000,
      pids: () => this.#allPids(p),
      ...(file
        ? { freeze: () => this.#write(file, 'FROZEN'), thaw: () => this.#write(file, 'THAWED') }
        : {}),
    });
  }

  /** Wait for the subtree to empty, then rmdir it (deepest first) in every hierarchy. */
  async delete(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    const presence = await this.#presence(p);
    if (!presence.some(Boolean)) throw new NotFoundError(`cgroup ${p} does not exist`);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    await waitEmpty(p, () => this.#allPids(p), deadline);
    for (const [i, mp] of this.#hierarchies.entries()) {
      if (presence[i]) await removeTree(this.#fs, join(mp, p), deadline, () => this.#allPids(p), p);
    }
    // Best effort: what runc left in hierarchies this manager does not manage. A failure
    // there is logged, never a failed delete of the cgroup the caller owns.
    for (const mp of this.#companions) {
      const dir = join(mp, p);
      if (!(await this.#fs.exists(dir))) continue;
      await removeTree(this.#fs, dir, deadline, () => this.#allPids(p), p).catch((err: unknown) =>
        this.#logger.warn({ path: p, dir, err }, 'cgroup v1: a companion copy was not removed'),
      );
    }
    this.#logger.debug?.({ path: p }, 'cgroup v1 deleted');
  }

  /** Teardown: {@link CgroupV1Manager.killAll} then {@link CgroupV1Manager.delete}; a missing cgroup is fine. */
  async destroy(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    if (!(await this.#presence(p)).some(Boolean)) return;
    await this.killAll(p, options);
    await this.delete(p, options);
  }

  /** Read cpuacct, cpu, memory, pids and blkio statistics. */
  async stats(path: string): Promise<CgroupStats> {
    const p = normalizeCgroupPath(path);
    const stats = await readV1Stats(this.#fs, this.#dirOf(p), p);
    if (!stats.cpu && !stats.memory && !stats.pids) await this.#mustExist(p);
    return stats;
  }

  /** Watch OOM (and usage thresholds) through eventfds registered in `cgroup.event_control`. */
  async watchMemoryEvents(
    path: string,
    options: MemoryWatchOptions = {},
  ): Promise<MemoryEventWatcher> {
    const p = normalizeCgroupPath(path);
    const dir = this.#dirOf(p)('memory');
    if (!dir)
      throw new ControllerMissingError(
        'memory',
        `watching memory events of ${p} needs the v1 memory controller, which is not mounted`,
      );
    return watchV1Memory(dir, p, options, this.#logger);
  }
}
