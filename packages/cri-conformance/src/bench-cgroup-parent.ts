import { type Dirent, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Removes cgroup `path` (e.g. `/capstan-cri-bench-123`) with every child cgroup, in every
 * hierarchy under `root`, deepest first. Runtimes remove their containers' cgroups but not
 * the parents the bench asked for. Only empty cgroups can go (rmdir); returns the dirs
 * that could not be removed (still populated).
 */
export function removeCgroupTree(path: string, root = '/sys/fs/cgroup'): string[] {
  const failed: string[] = [];
  const rel = path.replace(/^\/+/, '');
  if (rel === '' || rel.split('/').includes('..')) throw new Error(`bad cgroup path ${path}`);
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(dir);
    }
  };
  let hierarchies: string[] = [];
  try {
    hierarchies = readdirSync(root);
  } catch {
    return failed;
  }
  // cgroup2 mounted at the root itself (unified mode), or one dir per v1 hierarchy.
  if (hierarchies.includes('cgroup.controllers')) walk(join(root, rel));
  else for (const h of hierarchies) walk(join(root, h, rel));
  return failed;
}
