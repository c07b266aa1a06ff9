import { InvalidArgumentError } from './errors.js';

const MAX_NAME_BYTES = 255;

/**
 * Check one cgroup directory name: not empty, not `.` or `..`, no `/`, no NUL or newline,
 * at most 255 bytes.
 *
 * @throws {InvalidArgumentError} naming the bad value and what is wrong with it.
 */
export function validateCgroupName(name: string, what = 'cgroup name'): void {
  let problem: string | undefined;
  if (typeof name !== 'string' || name.length === 0) problem = 'is empty';
  else if (name === '.' || name === '..') problem = 'is a relative path component';
  else if (name.includes('/')) problem = "contains '/'";
  else if (name.includes('..')) problem = "contains '..'";
  else if (/[\0\n]/.test(name)) problem = 'contains a NUL or newline';
  else if (Buffer.byteLength(name) > MAX_NAME_BYTES)
    problem = `is longer than ${MAX_NAME_BYTES} bytes`;
  if (problem) throw new InvalidArgumentError(`${what} ${JSON.stringify(name)} ${problem}`);
}

/**
 * Split a cgroup path (`/kubepods/burstable/pod<uid>`, leading slash optional) into its
 * validated components. `/` is the root and has no components.
 *
 * @throws {InvalidArgumentError} when a component is `..`, empty in the middle, or invalid.
 */
export function cgroupPathComponents(path: string): string[] {
  if (typeof path !== 'string')
    throw new InvalidArgumentError(`cgroup path ${String(path)} is not a string`);
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  const parts = trimmed.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..') {
      throw new InvalidArgumentError(
        `cgroup path ${JSON.stringify(path)} has a ${p === '' ? 'empty' : `'${p}'`} component`,
      );
    }
    validateCgroupName(p, `component of cgroup path ${JSON.stringify(path)}:`);
  }
  return parts;
}

/** The canonical form of a cgroup path: leading slash, no trailing slash (`/` for the root). */
export function normalizeCgroupPath(path: string): string {
  return `/${cgroupPathComponents(path).join('/')}`;
}

/**
 * The canonical path of a cgroup that may be created or removed: not the root.
 *
 * @throws {InvalidArgumentError} for the root or an invalid path.
 */
export function nonRootCgroupPath(path: string): string {
  const parts = cgroupPathComponents(path);
  if (parts.length === 0)
    throw new InvalidArgumentError('the root cgroup cannot be created, changed or removed here');
  return `/${parts.join('/')}`;
}

/** Join a parent cgroup path and a child name (validated). */
export function joinCgroupPath(parent: string, name: string): string {
  validateCgroupName(name);
  const p = normalizeCgroupPath(parent);
  return p === '/' ? `/${name}` : `${p}/${name}`;
}
