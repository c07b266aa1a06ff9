import { randomBytes } from 'node:crypto';
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A cgroup of its own for one runtime stack (a daemon, its helpers and the shims they
 * spawn), so that a benchmark can count every process the stack needs from the kernel's
 * own membership list (`cgroup.procs`) instead of guessing from command lines.
 *
 * Processes join it before they exec (see `spawnDaemon`'s `cgroup`), so every child they
 * fork starts in it. Containers do not stay: runc moves each container's processes into
 * the container's own cgroup in every hierarchy it manages (pids included, and the hybrid
 * cgroup2 mount), so what remains is the runtime's own cost.
 */
export interface StackCgroup {
  /** e.g. `containerd-1a2b3c4d`. */
  name: string;
  /** The cgroup path inside its hierarchy, e.g. `/capstan-bench/containerd-1a2b3c4d`. */
  path: string;
  /** Its directory, e.g. `/sys/fs/cgroup/pids/capstan-bench/containerd-1a2b3c4d`. */
  dir: string;
  /** PIDs now in it (its `cgroup.procs`). */
  pids(): number[];
  /**
   * Waits (up to `timeoutMs`, default 10 s) for the cgroup to empty once the stack was
   * stopped, then removes it and, when empty, the shared parent. Rejects, naming the
   * processes, if anything is still in it: the stack's stop() leaked a process.
   */
  remove(timeoutMs?: number): Promise<void>;
}

/**
 * The hierarchy stack cgroups are made in: the cgroup2 root on a unified host, else the v1
 * `pids` controller (always mounted by systemd and docker hosts, joined by runc for every
 * container, and no limit unless one is written), else the hybrid cgroup2 mount.
 * Deliberately not `memory`: moving a daemon there would take its pages out of whatever
 * memory cgroup the caller runs in.
 */
export function stackCgroupHierarchy(root = '/sys/fs/cgroup'): string {
  if (existsSync(join(root, 'cgroup.controllers'))) return root;
  for (const h of ['pids', 'unified']) {
    if (existsSync(join(root, h, 'cgroup.procs'))) return join(root, h);
  }
  throw new Error(`no cgroup hierarchy for a stack cgroup under ${root} (no cgroup2, pids)`);
}

/** Reads a `cgroup.procs` file; [] when the cgroup is gone. */
export function cgroupProcs(dir: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Removes a cgroup dir and its child cgroups (runc may nest containers that had no parent). */
function removeTree(dir: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}

/**
 * Creates `/<parent>/<name>-<8 hex>` in {@link stackCgroupHierarchy} (default parent
 * `capstan-bench`). The caller passes `dir` as the `cgroup` option of startContainerd,
 * startDockerd and startDockerShim, and calls remove() after stopping them.
 */
export function createStackCgroup(
  name: string,
  opts: { parent?: string; hierarchy?: string } = {},
): StackCgroup {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad stack cgroup name ${name}`);
  const hierarchy = opts.hierarchy ?? stackCgroupHierarchy();
  const parent = (opts.parent ?? 'capstan-bench').replace(/^\/+|\/+$/g, '');
  const full = `${name}-${randomBytes(4).toString('hex')}`;
  const path = `/${parent}/${full}`;
  const dir = join(hierarchy, parent, full);
  mkdirSync(dir, { recursive: true });
  return {
    name: full,
    path,
    dir,
    pids: () => cgroupProcs(dir),
    async remove(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let left = cgroupProcs(dir);
      while (left.length > 0 && Date.now() < deadline) {
        await sleep(100);
        left = cgroupProcs(dir);
      }
      if (left.length > 0) {
        throw new Error(
          `stack cgroup ${dir} still holds ${left.map((p) => `${p} (${comm(p)})`).join(', ')}`,
        );
      }
      removeTree(dir);
      try {
        rmdirSync(dirname(dir));
      } catch {
        // Another stack still uses the parent.
      }
    },
  };
}
