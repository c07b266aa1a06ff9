import { join } from 'node:path';
import { type CgroupFileSystem, nodeCgroupFs } from './cgroup-fs.js';
import { cgroupPathComponents, nonRootCgroupPath, normalizeCgroupPath } from './cgroup-path.js';
import {
  AlreadyExistsError,
  ControllerMissingError,
  errnoCode,
  NotFoundError,
  UnavailableError,
  UnimplementedError,
} from './errors.js';
import { watchV2Memory } from './events-v2.js';
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
import {
  applyV2Resources,
  checkV2Support,
  readV2Resources,
  v2ControllersFor,
} from './v2-resources.js';
import { readV2Stats } from './v2-stats.js';

/** The v2 controllers enabled down the path of every created cgroup, when available. */
export const DEFAULT_V2_CONTROLLERS: readonly string[] = [
  'cpu',
  'cpuset',
  'memory',
  'pids',
  'io',
  'hugetlb',
];

/** Options of {@link CgroupV2Manager}. */
export interface CgroupV2ManagerOptions extends CgroupManagerBaseOptions {
  /** The cgroup mounts; read from /proc/self/mountinfo by default. */
  mounts?: CgroupMounts;
  /** The cgroup2 mount point (or a fixture directory); overrides `mounts`. */
  mountPoint?: string;
  /** Controllers to enable in `cgroup.subtree_control` of each ancestor when available. */
  controllers?: readonly string[];
}

/**
 * The cgroup v2 backend: one unified tree. Creating a cgroup enables the wanted controllers
 * in each ancestor's `cgroup.subtree_control` (they stay enabled after a rollback, as the
 * kubelet leaves them); freezing uses `cgroup.freeze`, killing `cgroup.kill` when the
 * kernel has it, OOM events inotify on `memory.events`.
 */
export class CgroupV2Manager implements CgroupManager {
  /** Always 2. */
  readonly version = 2 as const;
  /** The machine's cgroup mode, when built from mounts. */
  readonly mode: CgroupMode | undefined;
  /** Where the unified hierarchy is (a fixture directory in tests). */
  readonly mountPoint: string;
  readonly #fs: CgroupFileSystem;
  readonly #logger: CgroupLogger;
  readonly #wanted: readonly string[];

  /**
   * Use `options.mountPoint`, or the cgroup2 mount found in mountinfo.
   *
   * @throws {UnavailableError} when no cgroup2 filesystem is mounted.
   */
  constructor(options: CgroupV2ManagerOptions = {}) {
    this.#fs = options.fs ?? nodeCgroupFs;
    this.#logger = options.logger ?? silentLogger;
    this.#wanted = options.controllers ?? DEFAULT_V2_CONTROLLERS;
    if (options.mountPoint !== undefined) {
      this.mountPoint = options.mountPoint;
      this.mode = options.mounts?.mode;
    } else {
      const mounts = options.mounts ?? detectCgroupMounts();
      if (!mounts.unified) throw new UnavailableError('no cgroup2 filesystem is mounted');
      this.mountPoint = mounts.unified.mountPoint;
      this.mode = mounts.mode;
    }
  }

  /** The directory of `path` under the mount point. */
  directory(path: string): string {
    const p = normalizeCgroupPath(path);
    return p === '/' ? this.mountPoint : join(this.mountPoint, p);
  }

  async #controllersOf(dir: string): Promise<Set<string>> {
    const text = await readOptional(this.#fs, join(dir, 'cgroup.controllers'));
    return new Set((text ?? '').trim().split(/\s+/).filter(Boolean));
  }

  /** The controllers `cgroup.controllers` of the mount root offers. */
  async controllers(): Promise<string[]> {
    return [...(await this.#controllersOf(this.mountPoint))];
  }

  /** Whether the cgroup directory exists. */
  async exists(path: string): Promise<boolean> {
    return this.#fs.exists(this.directory(path));
  }

  async #mustExist(p: string): Promise<string> {
    const dir = this.directory(p);
    if (!(await this.#fs.exists(dir)))
      throw new NotFoundError(`cgroup ${p} does not exist (${dir})`);
    return dir;
  }

  /** Enable `controllers` in `dir`'s subtree_control (the wanted ones best effort, `required` or fail). */
  async #enable(
    dir: string,
    wanted: readonly string[],
    required: readonly string[],
  ): Promise<void> {
    const enabled = new Set(
      (await readOptional(this.#fs, join(dir, 'cgroup.subtree_control')))
        ?.trim()
        .split(/\s+/)
        .filter(Boolean),
    );
    const available = await this.#controllersOf(dir);
    const missing = wanted.filter((c) => available.has(c) && !enabled.has(c));
    if (missing.length === 0) return;
    const file = join(dir, 'cgroup.subtree_control');
    const value = missing.map((c) => `+${c}`).join(' ');
    try {
      await this.#fs.writeFile(file, value);
    } catch (err) {
      const req = required.filter((c) => !enabled.has(c));
      if (req.length === 0) {
        this.#logger.warn({ file, value, err }, 'could not enable optional cgroup v2 controllers');
        return;
      }
      throw writeError(err, file, req.map((c) => `+${c}`).join(' '));
    }
  }

  /** Create the cgroup (enabling controllers down the path), then apply `resources`; see {@link CgroupManager.create}. */
  async create(
    path: string,
    resources: LinuxResources = {},
    options: CreateOptions = {},
  ): Promise<void> {
    const p = nonRootCgroupPath(path);
    validateResources(resources);
    const available = await this.#controllersOf(this.mountPoint);
    checkV2Support(available, resources, this.mountPoint);
    const leaf = this.directory(p);
    if ((await this.#fs.exists(leaf)) && !options.existOk)
      throw new AlreadyExistsError(`cgroup ${p} already exists`);
    const required = v2ControllersFor(resources);
    const wanted = [...new Set([...this.#wanted, ...required])];
    const created: string[] = [];
    const tx = new FileTransaction(this.#fs, this.#logger);
    try {
      let dir = this.mountPoint;
      for (const part of cgroupPathComponents(p)) {
        await this.#enable(dir, wanted, required);
        dir = join(dir, part);
        if (await this.#fs.exists(dir)) continue;
        try {
          await this.#fs.mkdir(dir);
          created.push(dir);
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw writeError(err, dir, '(mkdir)');
        }
      }
      const have = await this.#controllersOf(leaf);
      for (const c of required) {
        if (!have.has(c))
          throw new ControllerMissingError(
            c,
            `the ${c} controller did not reach ${p} (its cgroup.controllers lists: ${[...have].join(' ') || 'nothing'})`,
          );
      }
      await applyV2Resources(this.#fs, tx, leaf, p, resources);
    } catch (err) {
      await tx.rollback();
      for (const d of created.reverse()) {
        await this.#fs
          .rmdir(d)
          .catch((e: unknown) =>
            this.#logger.warn({ dir: d, err: e }, 'could not remove a cgroup while undoing create'),
          );
      }
      throw err;
    }
    this.#logger.debug?.({ path: p, created: created.length }, 'cgroup v2 created');
  }

  /** Apply `resources` to an existing cgroup, restoring written files on failure; see {@link CgroupManager.update}. */
  async update(path: string, resources: LinuxResources): Promise<void> {
    const p = nonRootCgroupPath(path);
    validateResources(resources);
    const dir = await this.#mustExist(p);
    const have = await this.#controllersOf(dir);
    checkV2Support(have, resources, dir);
    const tx = new FileTransaction(this.#fs, this.#logger);
    try {
      await applyV2Resources(this.#fs, tx, dir, p, resources);
    } catch (err) {
      await tx.rollback();
      throw err;
    }
  }

  /** Read the resources back from the v2 files, converted to the OCI scales. */
  async resources(path: string): Promise<LinuxResources> {
    return readV2Resources(this.#fs, await this.#mustExist(nonRootCgroupPath(path)));
  }

  /** Names of the child cgroups. */
  async children(path: string): Promise<string[]> {
    return this.#fs.listDirs(await this.#mustExist(normalizeCgroupPath(path)));
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

  /** Process ids from `cgroup.procs`. */
  async processes(path: string, options: ProcessesOptions = {}): Promise<number[]> {
    return this.#procsIn(
      await this.#mustExist(normalizeCgroupPath(path)),
      options.recursive ?? false,
    );
  }

  /** Write `pid` to `cgroup.procs`. */
  async addProcess(path: string, pid: number): Promise<void> {
    const p = nonRootCgroupPath(path);
    validatePid(pid);
    const file = join(await this.#mustExist(p), 'cgroup.procs');
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

  async #events(dir: string): Promise<Map<string, string>> {
    const text = (await readOptional(this.#fs, join(dir, 'cgroup.events'))) ?? '';
    return new Map(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  async #freezeFile(p: string): Promise<string> {
    const file = join(await this.#mustExist(p), 'cgroup.freeze');
    if (!(await this.#fs.exists(file)))
      throw new UnimplementedError(
        `cgroup.freeze is missing for ${p}: the cgroup v2 freezer needs Linux 5.2 or later`,
      );
    return file;
  }

  /** Write 1 to `cgroup.freeze` and wait for `frozen 1` in `cgroup.events`. */
  async freeze(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    const file = await this.#freezeFile(p);
    const dir = this.directory(p);
    await freezeLoop({
      path: p,
      timeoutMs: options.timeoutMs ?? 2000,
      request: () => this.#write(file, '1'),
      isFrozen: async () => (await this.#events(dir)).get('frozen') === '1',
      undo: () => this.#write(file, '0'),
    });
  }

  /** Write 0 to `cgroup.freeze`. */
  async thaw(path: string): Promise<void> {
    await this.#write(await this.#freezeFile(nonRootCgroupPath(path)), '0');
  }

  /** From `cgroup.freeze` (asked) and `cgroup.events` (reached). */
  async freezeState(path: string): Promise<FreezeState> {
    const p = nonRootCgroupPath(path);
    const file = await this.#freezeFile(p);
    const wanted = (await this.#fs.readFile(file)).trim() === '1';
    const frozen = (await this.#events(this.directory(p))).get('frozen') === '1';
    return frozen ? 'frozen' : wanted ? 'freezing' : 'thawed';
  }

  async #write(file: string, value: string): Promise<void> {
    try {
      await this.#fs.writeFile(file, value);
    } catch (err) {
      throw writeError(err, file, value);
    }
  }

  /** Kill the subtree with `cgroup.kill` (Linux 5.14+), or freeze, SIGKILL and thaw. */
  async killAll(path: string, options: WaitOptions = {}): Promise<number> {
    const p = nonRootCgroupPath(path);
    const dir = this.directory(p);
    if (!(await this.#fs.exists(dir))) return 0;
    const killFile = join(dir, 'cgroup.kill');
    const freezeFile = join(dir, 'cgroup.freeze');
    const pids = () => this.#procsIn(dir, true);
    if (await this.#fs.exists(killFile)) {
      return killLoop({
        path: p,
        timeoutMs: options.timeoutMs ?? 5000,
        pids,
        killAll: () => this.#write(killFile, '1'),
      });
    }
    const canFreeze = await this.#fs.exists(freezeFile);
    return killLoop({
      path: p,
      timeoutMs: options.timeoutMs ?? 5000,
      pids,
      ...(canFreeze
        ? { freeze: () => this.#write(freezeFile, '1'), thaw: () => this.#write(freezeFile, '0') }
        : {}),
    });
  }

  /** Wait for `populated 0` in `cgroup.events`, then rmdir the subtree deepest first. */
  async delete(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    const dir = await this.#mustExist(p);
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const pids = () => this.#procsIn(dir, true);
    // cgroup.events `populated` covers the whole subtree and is what the kernel checks on rmdir.
    const isEmpty = async () => {
      const populated = (await this.#events(dir)).get('populated');
      return populated === undefined ? (await pids()).length === 0 : populated === '0';
    };
    await waitEmpty(p, pids, deadline, isEmpty);
    await removeTree(this.#fs, dir, deadline, pids, p);
    this.#logger.debug?.({ path: p }, 'cgroup v2 deleted');
  }

  /** Teardown: {@link CgroupV2Manager.killAll} then {@link CgroupV2Manager.delete}; a missing cgroup is fine. */
  async destroy(path: string, options: WaitOptions = {}): Promise<void> {
    const p = nonRootCgroupPath(path);
    if (!(await this.#fs.exists(this.directory(p)))) return;
    await this.killAll(p, options);
    await this.delete(p, options);
  }

  /** Read cpu.stat, memory.*, pids.*, io.stat and the PSI files. */
  async stats(path: string): Promise<CgroupStats> {
    const p = normalizeCgroupPath(path);
    const dir = p === '/' ? this.mountPoint : await this.#mustExist(p);
    return readV2Stats(this.#fs, dir, p, p === '/');
  }

  /** Watch `memory.events` with inotify (no thresholds on v2). */
  async watchMemoryEvents(
    path: string,
    options: MemoryWatchOptions = {},
  ): Promise<MemoryEventWatcher> {
    const p = nonRootCgroupPath(path);
    const dir = await this.#mustExist(p);
    if (!(await this.#fs.exists(join(dir, 'memory.events')))) {
      throw new ControllerMissingError(
        'memory',
        `watching memory events of ${p} needs the memory controller, which is not enabled for it (no memory.events)`,
      );
    }
    return watchV2Memory(this.#fs, dir, p, options, this.#logger);
  }
}
