import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { acquire, backOff, errno, type KeyLockOptions, lockName, newOwner } from './key-lock.js';
import { isAlive, parseIdentity } from './process-identity.js';

// The lock of a whole store (an exclusive store holds it for its life). A process that
// restarts on a full disk must still get it, or a runtime that crashed there could not come
// back to free space (stop and remove containers, rotate logs). Key locks cannot do that:
// taking one makes a staging directory and a file, and a full disk has room for neither.
// So the store lock is reusable in place:
// - release renames our owner file to `released` and keeps the lock directory;
// - an acquirer first tries the usual protocol (which treats `released` like a dead holder's
//   file: unlinks it, renames its staging directory in), and when that cannot stage (ENOSPC,
//   EDQUOT) takes the lock over in place: renames `released`, or a dead holder's owner file,
//   to its own owner name. A rename in the same directory needs no new inode or block.
// The lock directory holds one file at any time, so of racing renames exactly one wins; the
// others see ENOENT and look again.

/** The one file of a released store lock. */
export const RELEASED = 'released';

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** Takes the store lock named by `key` in `dir`; resolves with its release. */
export async function acquireStoreLock(
  dir: string,
  key: string,
  options: KeyLockOptions,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.timeoutMs;
  const owner = newOwner();
  let lockPath: string;
  try {
    ({ lockPath } = await acquire(dir, key, deadline, options, owner));
  } catch (err) {
    if (!NO_SPACE.has(errno(err) ?? '')) throw err;
    lockPath = join(dir, lockName(key));
    await takeOver(lockPath, key, owner, deadline, options, err);
  }
  return async () => {
    await rename(join(lockPath, owner), join(lockPath, RELEASED)).catch(() => {});
  };
}

async function takeOver(
  lockPath: string,
  key: string,
  owner: string,
  deadline: number,
  options: KeyLockOptions,
  noSpace: unknown,
): Promise<void> {
  let delay = 1;
  for (;;) {
    let entries: string[];
    try {
      entries = await readdir(lockPath);
    } catch (err) {
      // No lock directory to reuse (never taken here, or swept): nothing to rename.
      if (errno(err) === 'ENOENT') throw noSpace;
      throw err;
    }
    let holder: number | undefined;
    let raced = false;
    for (const entry of entries) {
      const id = parseIdentity(entry);
      if (id && isAlive(id)) {
        holder = id.pid;
        continue;
      }
      try {
        await rename(join(lockPath, entry), join(lockPath, owner));
        options.logger?.warn(
          { key, lock: lockPath, previous: entry },
          'checkpoint: took the store lock over in place (no space for a new one)',
        );
        return;
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        raced = true; // someone else renamed or unlinked it: look again
      }
    }
    if (raced) continue;
    if (holder === undefined) throw noSpace; // an empty lock directory: nothing to rename
    delay = await backOff(lockPath, key, holder, deadline, options, delay);
  }
}
