import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidLogOptionError, LogFileNotFoundError, LogRotationError } from './errors.js';

/** Options of {@link rotateCriLog}: the kubelet's containerLogMaxSize / containerLogMaxFiles. */
export interface RotateCriLogOptions {
  /** Rotate when the live file is larger than this (bytes). */
  maxSize: number;
  /** Files kept per container, the live one included (>= 1; 1 keeps no rotated file). */
  maxFiles: number;
  /**
   * Makes the runtime write to a new file at the path: the CRI ReopenContainerLog call.
   * When it fails, the rotated file is renamed back, so the runtime's output is not lost.
   */
  reopen: () => Promise<void>;
  /** The time put in the rotated file's name. Default now. */
  now?: () => Date;
}

/** What one {@link rotateCriLog} did. */
export interface RotateCriLogResult {
  /** The rotated file's new name, when the live one was rotated. */
  rotated?: string;
  /** Rotated files removed because more than maxFiles - 1 were kept. */
  removed: string[];
}

/**
 * `20240102T030405.123Z`: the suffix of a rotated log. Fixed width, so names sort by time.
 */
export function rotationStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '');
}

/**
 * One rotation step for one container log (the kubelet's container log manager): when the
 * live file is larger than `maxSize` it is renamed to `<path>.<stamp>` and `reopen()` asks
 * the runtime for a new one; then rotated files beyond `maxFiles - 1` are removed, oldest
 * first. A stamp already taken (two rotations in one millisecond) moves on by a millisecond
 * rather than overwrite a kept file.
 *
 * @throws LogFileNotFoundError when `path` does not exist; LogRotationError when the rename
 *   or the reopen failed (the file is back at `path` then); InvalidLogOptionError for sizes
 *   out of range.
 */
export async function rotateCriLog(
  path: string,
  opts: RotateCriLogOptions,
): Promise<RotateCriLogResult> {
  if (!Number.isSafeInteger(opts.maxSize) || opts.maxSize < 1)
    throw new InvalidLogOptionError('maxSize', opts.maxSize, 'a whole number of bytes >= 1');
  if (!Number.isSafeInteger(opts.maxFiles) || opts.maxFiles < 1)
    throw new InvalidLogOptionError('maxFiles', opts.maxFiles, 'a whole number >= 1');
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LogFileNotFoundError(path, { cause: err });
    throw err;
  }
  const result: RotateCriLogResult = { removed: [] };
  if (size > opts.maxSize) {
    const taken = new Set(await rotatedCriLogs(path));
    let at = (opts.now ?? (() => new Date()))().getTime();
    while (taken.has(`${path}.${rotationStamp(new Date(at))}`)) at++;
    const target = `${path}.${rotationStamp(new Date(at))}`;
    try {
      await rename(path, target);
    } catch (err) {
      throw new LogRotationError(path, 'rename', { cause: err });
    }
    try {
      await opts.reopen();
    } catch (err) {
      // The runtime still writes to the renamed file: put it back rather than lose it.
      await rename(target, path).catch(() => {});
      throw new LogRotationError(path, 'reopen', { cause: err });
    }
    result.rotated = target;
  }
  result.removed = await pruneRotatedCriLogs(path, opts.maxFiles);
  return result;
}

/** The rotated files of the log at `path` (`<path>.<stamp>`), oldest first. */
export async function rotatedCriLogs(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((f) => f.startsWith(prefix) && f.length > prefix.length)
    .sort()
    .map((f) => join(dir, f));
}

/** Removes the oldest rotated files of `path` so that at most maxFiles - 1 remain. */
export async function pruneRotatedCriLogs(path: string, maxFiles: number): Promise<string[]> {
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 1)
    throw new InvalidLogOptionError('maxFiles', maxFiles, 'a whole number >= 1');
  const old = await rotatedCriLogs(path);
  const drop = old.slice(0, Math.max(0, old.length - (maxFiles - 1)));
  const removed: string[] = [];
  for (const f of drop) {
    try {
      await unlink(f);
      removed.push(f);
    } catch {
      // Gone already (another pass removed it): nothing to do.
    }
  }
  return removed;
}
