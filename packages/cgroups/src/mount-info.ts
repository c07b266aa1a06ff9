import { readFileSync } from 'node:fs';
import { InvalidArgumentError, UnavailableError } from './errors.js';

/**
 * How cgroups are mounted on this machine:
 * - `v1`: only cgroup v1 hierarchies (one per controller or group of controllers);
 * - `hybrid`: v1 hierarchies carry the controllers, and a cgroup2 mount (usually
 *   `/sys/fs/cgroup/unified`) exists beside them, mostly without controllers;
 * - `unified`: one cgroup2 hierarchy carries every controller (pure cgroup v2).
 */
export type CgroupMode = 'v1' | 'hybrid' | 'unified';

/** One mounted cgroup hierarchy. */
export interface CgroupMount {
  /** Where it is mounted, e.g. `/sys/fs/cgroup/memory`. */
  readonly mountPoint: string;
  /** The cgroup path mounted there (`/` unless inside a cgroup namespace or a bind mount). */
  readonly root: string;
  /** v1: the controllers of this hierarchy (`cpu`, `cpuacct`, `name=systemd`); v2: empty. */
  readonly controllers: readonly string[];
}

/** The cgroup mounts found in a mountinfo file. */
export interface CgroupMounts {
  /** v1, hybrid or unified (see {@link CgroupMode}). */
  readonly mode: CgroupMode;
  /** v1 hierarchies by controller name; co-mounted controllers share one entry. */
  readonly v1: ReadonlyMap<string, CgroupMount>;
  /** The cgroup2 mount, when there is one. */
  readonly unified?: CgroupMount;
}

/** Undo the octal escapes (`\040` for a space) the kernel uses in mountinfo paths. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
    String.fromCharCode(Number.parseInt(oct, 8)),
  );
}

/**
 * Parse `/proc/<pid>/mountinfo` text and find the cgroup mounts.
 *
 * @throws {InvalidArgumentError} when a cgroup line is malformed.
 * @throws {UnavailableError} when there is no cgroup mount at all.
 */
export function parseCgroupMounts(mountInfo: string): CgroupMounts {
  const v1 = new Map<string, CgroupMount>();
  let unified: CgroupMount | undefined;
  for (const line of mountInfo.split('\n')) {
    if (!line.includes(' - cgroup')) continue;
    const sep = line.indexOf(' - ');
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const [fsType, , superOptions] = right;
    const root = left[3];
    const mountPoint = left[4];
    if (root === undefined || mountPoint === undefined || fsType === undefined) {
      throw new InvalidArgumentError(`malformed mountinfo line: ${JSON.stringify(line)}`);
    }
    if (fsType === 'cgroup2') {
      // The first cgroup2 mount wins (later ones are usually bind mounts into containers).
      unified ??= {
        mountPoint: unescapeMountPath(mountPoint),
        root: unescapeMountPath(root),
        controllers: [],
      };
      continue;
    }
    if (fsType !== 'cgroup') continue;
    const controllers = (superOptions ?? '')
      .split(',')
      .filter(
        (o) =>
          o !== 'rw' &&
          o !== 'ro' &&
          !o.startsWith('release_agent=') &&
          o !== 'xattr' &&
          o !== 'clone_children' &&
          o !== 'noprefix' &&
          o !== 'none',
      );
    const mount: CgroupMount = {
      mountPoint: unescapeMountPath(mountPoint),
      root: unescapeMountPath(root),
      controllers,
    };
    for (const c of controllers) if (!v1.has(c)) v1.set(c, mount);
  }
  const hasV1Controllers = [...v1.keys()].some((c) => !c.startsWith('name='));
  if (!hasV1Controllers && !unified) {
    throw new UnavailableError(
      'no cgroup filesystem is mounted (no cgroup or cgroup2 line in mountinfo)',
    );
  }
  const mode: CgroupMode = !hasV1Controllers ? 'unified' : unified ? 'hybrid' : 'v1';
  return unified ? { mode, v1, unified } : { mode, v1 };
}

/**
 * Read `/proc/self/mountinfo` (or `path`) and find the cgroup mounts.
 *
 * @throws {UnavailableError} when the file cannot be read or has no cgroup mount.
 */
export function detectCgroupMounts(path = '/proc/self/mountinfo'): CgroupMounts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UnavailableError(`cannot read ${path} to find cgroup mounts`, { cause: err });
  }
  return parseCgroupMounts(text);
}
