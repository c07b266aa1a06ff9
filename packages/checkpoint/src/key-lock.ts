import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from './checkpoint-errors.js';
import type { CheckpointLogger } from './checkpoint-logger.js';
import {
  formatIdentity,
  isAlive,
  parseIdentity,
  selfIdentity,
  uniqueSuffix,
} from './process-identity.js';

// One writer per key, across processes. The lock for a key is a directory
// `.lock-<sha256(key)>` holding exactly one file, named after the holder's identity.
//
// Acquire: make a private staging directory with our owner file in it, then rename it onto the
// lock path. rename(2) of a directory succeeds only when the target is absent or an empty
// directory, so exactly one of several racing processes gets it (the O_EXCL of directories).
// Release: unlink our owner file, then rmdir the lock directory if it is still empty.
// Stale lock: when the holder's process is gone (see isAlive), unlink *that* owner file. Its
// name is unique to the dead holder, so a slow breaker can never remove a lock that a live
// process took in the meantime; the emptied directory is then free for the next rename.
// The name is a hash because a key may take up to 250 of the 255 bytes a file name has.

/** Lock directories (and their staging directories) start with this. */
const LOCK_PREFIX = '.lock-';
const STAGING = '.acq-';

/** The lock directory's name for `key`. */
export function lockName(key: string): string {
  return LOCK_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Options for {@link withKeyLock}. */
export interface KeyLockOptions {
  timeoutMs: number;
  logger: CheckpointLogger | undefined;
}

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Unlinks owner files of dead holders; returns the live holder's PID, if there is one. */
async function breakIfStale(
  lockPath: string,
  key: string,
  logger: CheckpointLogger | undefined,
): Promise<number | undefined> {
  let owners: string[];
  try {
    owners = await readdir(lockPath);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined; // released meanwhile
    throw err;
  }
  let live: number | undefined;
  for (const owner of owners) {
    const id = parseIdentity(owner);
    if (id && isAlive(id)) {
      live = id.pid;
      continue;
    }
    try {
      await unlink(join(lockPath, owner));
      logger?.warn(
        { key, lock: lockPath, owner },
        'checkpoint: broke stale lock of a dead process',
      );
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
  }
  return live;
}

/** A held lock: its directory and the owner file's name in it. */
export interface HeldLock {
  lockPath: string;
  owner: string;
}

/** This process's owner file name for a new lock (unique per acquisition). */
export function newOwner(): string {
  return `${formatIdentity(selfIdentity())}-${uniqueSuffix()}`;
}

/** Releases a key lock: our owner file goes, then the directory if it is still empty. */
function releaseOf({ lockPath, owner }: HeldLock): () => Promise<void> {
  return async () => {
    await unlink(join(lockPath, owner)).catch(() => {});
    await rmdir(lockPath).catch(() => {}); // ENOTEMPTY: the next holder is already in
  };
}

/** Waits until `deadline` for `holder` (a live PID) to let go: throws once it has passed. */
export async function backOff(
  lockPath: string,
  key: string,
  holder: number,
  deadline: number,
  options: KeyLockOptions,
  delay: number,
): Promise<number> {
  if (Date.now() >= deadline) {
    throw new LockTimeoutError(key, lockPath, options.timeoutMs, holder);
  }
  await sleep(delay + Math.random() * delay);
  return Math.min(delay * 2, 50);
}

/** The rename protocol above; resolves with the lock held. */
export async function acquire(
  dir: string,
  key: string,
  deadline: number,
  options: KeyLockOptions,
  owner = newOwner(),
): Promise<HeldLock> {
  const lockPath = join(dir, lockName(key));
  const staging = `${lockPath}${STAGING}${owner}`;
  let delay = 1;
  let staged = false;
  try {
    for (;;) {
      if (!staged) {
        await mkdir(staging, { mode: 0o700 });
        await writeFile(join(staging, owner), `${process.pid}\n`, { mode: 0o600 });
        staged = true;
      }
      try {
        await rename(staging, lockPath);
        staged = false;
        return { lockPath, owner };
      } catch (err) {
        const code = errno(err);
        if (code === 'ENOENT') {
          staged = false; // our staging directory was swept: make it again
          continue;
        }
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      const holder = await breakIfStale(lockPath, key, options.logger);
      if (holder === undefined) continue; // free now: try again at once
      delay = await backOff(lockPath, key, holder, deadline, options, delay);
    }
  } finally {
    if (staged) await rm(staging, { recursive: true, force: true });
  }
}

// Callers in this process queue here first, so they do not poll the file system for each
// other; the file lock then orders them against other processes (and is what guarantees
// mutual exclusion: the queue is only a shortcut).
const queues = new Map<string, Promise<unknown>>();

/** Waits for `previous` to settle, or until `deadline`, whichever comes first. */
async function waitTurn(previous: Promise<unknown>, deadline: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    previous.then(
      () => {},
      () => {},
    ),
    sleep(Math.max(0, deadline - Date.now()), undefined, { signal: timer.signal }).catch(() => {}),
  ]);
  timer.abort();
}

/**
 * Runs `fn` while holding the cross-process lock of `key` in `dir`. Throws
 * {@link LockTimeoutError} when the lock stays held (by a live process, this one included) for
 * longer than `timeoutMs`. With `fileLock` false (the process holds the whole store), callers
 * are only queued in this process.
 */
export async function withKeyLock<R>(
  dir: string,
  key: string,
  options: KeyLockOptions,
  fn: () => Promise<R>,
  fileLock = true,
): Promise<R> {
  const deadline = Date.now() + options.timeoutMs;
  const slot = `${dir}\0${key}`;
  const previous = queues.get(slot);
  const run = (async () => {
    if (previous) await waitTurn(previous, deadline);
    if (!fileLock) return fn();
    const release = releaseOf(await acquire(dir, key, deadline, options));
    try {
      return await fn();
    } finally {
      await release();
    }
  })();
  const tail = run.catch(() => {});
  queues.set(slot, tail);
  try {
    return await run;
  } finally {
    if (queues.get(slot) === tail) queues.delete(slot);
  }
}
