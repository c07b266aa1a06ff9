import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One line of /proc/self/mountinfo, reduced to what cleanup needs. */
export interface MountEntry {
  id: number;
  parentId: number;
  /** Path inside the mounted filesystem that is mounted here. */
  root: string;
  mountPoint: string;
  fsType: string;
  /** Per-superblock options, e.g. `rw,memory` for a cgroup v1 hierarchy. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
    String.fromCharCode(Number.parseInt(oct, 8)),
  );
}

/** Parses /proc/self/mountinfo (or the given text). */
export function readMounts(text = readFileSync('/proc/self/mountinfo', 'utf8')): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    out.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      root: unescapeMountPath(fields[3] ?? ''),
      mountPoint: unescapeMountPath(fields[4] ?? ''),
      fsType: fields[sep + 1] ?? '',
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return out;
}

/** Mounts whose mount point is `dir` itself or lies below it. */
export function mountsUnder(dir: string, mounts = readMounts()): MountEntry[] {
  return mounts.filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`));
}

/**
 * Unmounts everything mounted at or below `dir`, deepest (and most recently stacked)
 * first. A busy mount is detached lazily. Throws if mounts remain after a few rounds.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    mounts.sort(
      (a, b) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.id - a.id,
    );
    for (const m of mounts) {
      try {
        await run('umount', [m.mountPoint]);
      } catch {
        // Busy (a process still has it open) or already gone with its parent: detach.
        await run('umount', ['-l', m.mountPoint]).catch(() => {});
      }
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new Error(`mounts left under ${dir}: ${left.map((m) => m.mountPoint).join(', ')}`);
  }
}
