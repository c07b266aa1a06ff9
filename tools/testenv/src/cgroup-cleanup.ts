import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { type MountEntry, readMounts } from './mount-cleanup.js';

/** A cgroup directory on a mounted hierarchy (v1 controller or the v2 unified tree). */
export interface CgroupDir {
  path: string;
  /** `freezer` for a v1 freezer hierarchy, `unified` for cgroup2, otherwise `other`. */
  kind: 'freezer' | 'unified' | 'other';
}

function hierarchyMount(
  mounts: MountEntry[],
  hierarchyId: string,
  controllers: string,
): MountEntry | undefined {
  if (hierarchyId === '0') return mounts.find((m) => m.fsType === 'cgroup2');
  const wanted = controllers.split(',');
  return mounts.find(
    (m) => m.fsType === 'cgroup' && wanted.every((c) => m.superOptions.includes(c)),
  );
}

/**
 * The cgroup directories (every hierarchy) that hold the given processes, excluding the
 * root cgroups and any cgroup that also holds one of `sharedWith` (e.g. our own process).
 */
export function cgroupsOf(pids: readonly number[], sharedWith: readonly number[]): CgroupDir[] {
  const mounts = readMounts();
  const read = (pid: number): CgroupDir[] => {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      return [];
    }
    const out: CgroupDir[] = [];
    for (const line of text.split('\n')) {
      const [id, controllers, cgPath] = line.split(':');
      if (id === undefined || controllers === undefined || cgPath === undefined) continue;
      if (cgPath === '/' || cgPath === '') continue;
      const mount = hierarchyMount(mounts, id, controllers);
      if (mount === undefined || !cgPath.startsWith(mount.root)) continue;
      const rel = mount.root === '/' ? cgPath : cgPath.slice(mount.root.length);
      out.push({
        path: mount.mountPoint + rel,
        kind:
          id === '0' ? 'unified' : controllers.split(',').includes('freezer') ? 'freezer' : 'other',
      });
    }
    return out;
  };
  const shared = new Set(sharedWith.flatMap(read).map((c) => c.path));
  const seen = new Map<string, CgroupDir>();
  for (const c of pids.flatMap(read)) if (!shared.has(c.path)) seen.set(c.path, c);
  return [...seen.values()];
}

/** Thaws frozen cgroups so that SIGKILL can take effect (a paused container ignores it). */
export function thawCgroups(cgroups: readonly CgroupDir[]): void {
  for (const c of cgroups) {
    try {
      if (c.kind === 'freezer') writeFileSync(`${c.path}/freezer.state`, 'THAWED');
      if (c.kind === 'unified') writeFileSync(`${c.path}/cgroup.freeze`, '0');
    } catch {
      // Gone already, or no freeze file on this hierarchy.
    }
  }
}

/**
 * Removes the (now empty) cgroup directories, deepest first. Only directories that held
 * processes we killed are given here; their parents stay, as runc leaves them too.
 */
export function removeCgroups(cgroups: readonly CgroupDir[]): string[] {
  const failed: string[] = [];
  const sorted = [...cgroups].sort((a, b) => b.path.length - a.path.length);
  for (const c of sorted) {
    try {
      rmdirSync(c.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(c.path);
    }
  }
  return failed;
}

/**
 * The directory of cgroup `path` (e.g. `/capstan-dockerd-ab12cd`) in every mounted
 * hierarchy where it exists: v1 controllers, named hierarchies and cgroup2.
 */
export function cgroupDirsFor(path: string): CgroupDir[] {
  const out: CgroupDir[] = [];
  for (const m of readMounts()) {
    if (m.fsType !== 'cgroup' && m.fsType !== 'cgroup2') continue;
    if (m.root !== '/') continue;
    const kind =
      m.fsType === 'cgroup2' ? 'unified' : m.superOptions.includes('freezer') ? 'freezer' : 'other';
    out.push({ path: m.mountPoint + path, kind });
  }
  return out;
}

/**
 * Removes cgroup `path` (e.g. `/capstan-demo-123`) and every cgroup below it, deepest
 * first, in every hierarchy; returns the dirs that could not be removed (still in use).
 */
export function removeCgroupTree(path: string): string[] {
  const dirs: CgroupDir[] = [];
  const walk = (d: CgroupDir) => {
    dirs.push(d);
    for (const e of readdirSync(d.path, { withFileTypes: true })) {
      if (e.isDirectory()) walk({ path: `${d.path}/${e.name}`, kind: d.kind });
    }
  };
  for (const d of cgroupDirsFor(path)) if (existsSync(d.path)) walk(d);
  return removeCgroups(dirs);
}
