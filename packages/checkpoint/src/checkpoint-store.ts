import { constants } from 'node:fs';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type CheckpointCodec, CODEC_NAME, jsonCodec } from './checkpoint-codec.js';
import { decodeEnvelope, encodeEnvelope, isEnvelopeProblem } from './checkpoint-envelope.js';
import {
  CheckpointNotFoundError,
  CorruptCheckpointError,
  InvalidValueError,
} from './checkpoint-errors.js';
import { isValidKey, validateKey } from './checkpoint-key.js';
import type { CheckpointLogger } from './checkpoint-logger.js';
import { fsyncDir, writeFileAtomic } from './fs-atomic.js';
import { withKeyLock } from './key-lock.js';
import { acquireStoreLock } from './store-lock.js';
import { type SweepResult, sweepDir } from './store-sweep.js';

/** Options of {@link openCheckpointStore}; an option set to `undefined` takes its default. */
export interface CheckpointStoreOptions<T> {
  /** The directory that holds the checkpoints, one file per key; created when missing. */
  dir: string;
  /** Encodes values; {@link jsonCodec} by default. */
  codec?: CheckpointCodec<T> | undefined;
  /**
   * The schema version written into every file (a positive integer, 1 by default). Files of
   * a newer version are corrupt (`future-version`); older ones go through `migrate`.
   */
  version?: number | undefined;
  /**
   * Turns a value decoded from a file of an older schema version into a current value.
   * Without it, older files are corrupt (`no-migration`). Reads do not rewrite the file: the
   * next `put` or `update` of the key writes the current version.
   */
  migrate?: ((value: unknown, fromVersion: number) => T | Promise<T>) | undefined;
  /** Mode of checkpoint files (before the umask); 0o600 by default. */
  fileMode?: number | undefined;
  /** Mode of `dir` when it has to be created (before the umask); 0o700 by default. */
  dirMode?: number | undefined;
  /** How long `put`, `remove` and `update` wait for a key held by a live process; 10 s. */
  lockTimeoutMs?: number | undefined;
  /** Remove leftovers of crashed processes when opening (see `sweep`); true by default. */
  sweepOnOpen?: boolean | undefined;
  /**
   * This process is the store's only writer for as long as it is open (a runtime's own
   * state directory, say): opening takes a lock on the whole store (waiting `lockTimeoutMs`
   * for a live holder, breaking a dead one's, else {@link LockTimeoutError}) that `close()`
   * releases, and writes then skip the per-key file locks, which saves five file system
   * calls per write. Writes to one key are still serialized within the process. Other
   * processes may read. The store lock is taken even on a full disk (a runtime restarting
   * there must come back to free space): see store-lock.ts. False by default.
   */
  exclusive?: boolean | undefined;
  /** Told about leftovers removed and stale locks broken. */
  logger?: CheckpointLogger | undefined;
}

/** What {@link CheckpointStore.list} found. */
export interface CheckpointListing {
  /** Keys whose checkpoint reads back, sorted by code unit. */
  keys: string[];
  /** One error per key whose file is corrupt; these keys are not in `keys`. */
  corrupt: CorruptCheckpointError[];
}

/**
 * Durable keyed state in one directory. Each key is one file; each file is replaced
 * atomically and durably, so readers, other writers and crashes only ever see whole values.
 * Writes to one key are serialized across processes by a lock with stale-lock recovery.
 *
 * @typeParam T - the values the store holds.
 */
export interface CheckpointStore<T> {
  /** The absolute path of the store's directory. */
  readonly dir: string;
  /** The schema version this store writes. */
  readonly version: number;
  /**
   * Writes `value` under `key`, replacing any previous value (or corrupt file). When the
   * promise resolves the value is on disk (file and directory fsynced).
   *
   * @throws {@link InvalidKeyError}, {@link InvalidValueError}, {@link LockTimeoutError}
   */
  put(key: string, value: T): Promise<void>;
  /**
   * The value under `key`. An absent key is an error, never `undefined`.
   *
   * @throws {@link CheckpointNotFoundError} when there is no file for `key`;
   * {@link CorruptCheckpointError} when there is one that does not read back;
   * {@link InvalidKeyError}.
   */
  get(key: string): Promise<T>;
  /**
   * Every key in the directory: those that read back (each file is fully checked, as `get`
   * does) and, separately, those that are corrupt. One bad file never fails the listing.
   * Temporary and lock files, and file names that are not valid keys, are not listed.
   */
  list(): Promise<CheckpointListing>;
  /**
   * Deletes the file under `key`, corrupt or not. Resolves `true` when there was one, `false`
   * when the key was already absent (removing twice is not an error).
   *
   * @throws {@link InvalidKeyError}, {@link LockTimeoutError}
   */
  remove(key: string): Promise<boolean>;
  /**
   * Read-modify-write under the key's lock: `fn` gets the current value (`undefined` when
   * absent) and returns the new one, which is written before the lock is released. No other
   * `put`, `remove` or `update` of the key, in any process, runs in between.
   *
   * @throws {@link CorruptCheckpointError} when the current file is corrupt (`fn` is not
   * called: remove or put the key to recover); whatever `fn` throws (nothing is written);
   * {@link InvalidKeyError}, {@link InvalidValueError}, {@link LockTimeoutError}
   */
  update(key: string, fn: (current: T | undefined) => T | Promise<T>): Promise<T>;
  /**
   * Removes leftovers of crashed processes: temporary files, lock staging directories and
   * stale locks. Safe while other processes use the store: their files are left alone.
   */
  sweep(): Promise<SweepResult>;
  /**
   * Releases the store's lock of an `exclusive` store (nothing to do otherwise); waits for
   * writes in progress first. Using the store after `close()` is a mistake it does not check.
   */
  close(): Promise<void>;
}

/** The lock an exclusive store holds; any string that is not a valid key names it. */
const STORE_LOCK_KEY = '.store';

function checkOptions<T>(options: CheckpointStoreOptions<T>, codec: CheckpointCodec<T>): number {
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999_999_999) {
    throw new RangeError(`checkpoint schema version must be a positive integer, got ${version}`);
  }
  if (!CODEC_NAME.test(codec.name)) {
    throw new TypeError(`checkpoint codec name ${JSON.stringify(codec.name)} is not allowed`);
  }
  return version;
}

/**
 * Opens (creating it when missing) the checkpoint store in `options.dir`, and sweeps away what
 * crashed processes left there unless `sweepOnOpen` is false.
 *
 * @typeParam T - the values the store holds; with the default JSON codec, JSON values.
 */
export async function openCheckpointStore<T = unknown>(
  options: CheckpointStoreOptions<T>,
): Promise<CheckpointStore<T>> {
  const codec: CheckpointCodec<T> = options.codec ?? jsonCodec;
  const version = checkOptions(options, codec);
  const dir = resolve(options.dir);
  const fileMode = options.fileMode ?? 0o600;
  const lock = { timeoutMs: options.lockTimeoutMs ?? 10_000, logger: options.logger };
  const exclusive = options.exclusive ?? false;
  const created = await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
  // Make each new directory's entry durable in its parent, up to the first one created.
  for (let p = dir; created !== undefined; p = dirname(p)) {
    await fsyncDir(dirname(p));
    if (p === created) break;
  }

  async function read(key: string): Promise<T> {
    validateKey(key);
    const path = join(dir, key);
    const corrupt = (reason: CorruptCheckpointError['reason'], detail: string, cause?: unknown) =>
      new CorruptCheckpointError(key, path, reason, detail, cause === undefined ? {} : { cause });
    let bytes: Buffer;
    try {
      // O_NONBLOCK: a FIFO in place of a checkpoint must not hang the read.
      const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
      const fh = await open(path, flags);
      try {
        if (!(await fh.stat()).isFile()) throw corrupt('not-a-file', 'not a regular file');
        bytes = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CheckpointNotFoundError(key, path, { cause: err });
      if (code === 'ELOOP') throw corrupt('not-a-file', 'a symbolic link', err);
      if (code === 'EISDIR') throw corrupt('not-a-file', 'a directory', err);
      throw err;
    }
    const envelope = decodeEnvelope(bytes);
    if (isEnvelopeProblem(envelope)) throw corrupt(envelope.reason, envelope.detail);
    if (envelope.codec !== codec.name) {
      const detail = `written by codec ${envelope.codec}, store uses ${codec.name}`;
      throw corrupt('codec-mismatch', detail);
    }
    if (envelope.version > version) {
      const detail = `schema version ${envelope.version} is newer than this store's ${version}`;
      throw corrupt('future-version', detail);
    }
    if (envelope.version < version && !options.migrate) {
      const detail = `schema version ${envelope.version} is older than ${version} and there is no migrate hook`;
      throw corrupt('no-migration', detail);
    }
    let value: unknown;
    try {
      value = codec.decode(envelope.payload);
    } catch (err) {
      throw corrupt('undecodable', `codec ${codec.name} cannot decode the payload`, err);
    }
    if (envelope.version === version || !options.migrate) return value as T;
    try {
      return await options.migrate(value, envelope.version);
    } catch (err) {
      throw corrupt(
        'migration-failed',
        `migrating from schema version ${envelope.version} threw`,
        err,
      );
    }
  }

  function encode(key: string, value: T): Buffer {
    try {
      return encodeEnvelope(codec.name, version, codec.encode(value));
    } catch (err) {
      const message = `cannot encode the value for checkpoint ${JSON.stringify(key)} with codec ${codec.name}: ${(err as Error).message}`;
      throw new InvalidValueError(key, message, { cause: err });
    }
  }

  const store: CheckpointStore<T> = {
    dir,
    version,
    async put(key, value) {
      validateKey(key);
      const bytes = encode(key, value);
      await locked(key, () => writeFileAtomic(dir, key, bytes, fileMode));
    },
    get: read,
    async list() {
      const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && isValidKey(n));
      names.sort();
      const keys: string[] = [];
      const corrupt: CorruptCheckpointError[] = [];
      for (const name of names) {
        try {
          await read(name);
          keys.push(name);
        } catch (err) {
          if (err instanceof CorruptCheckpointError) corrupt.push(err);
          else if (!(err instanceof CheckpointNotFoundError)) throw err; // removed meanwhile
        }
      }
      return { keys, corrupt };
    },
    async remove(key) {
      validateKey(key);
      return locked(key, async () => {
        try {
          await unlink(join(dir, key));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
          throw err;
        }
        await fsyncDir(dir);
        return true;
      });
    },
    async update(key, fn) {
      validateKey(key);
      return locked(key, async () => {
        let current: T | undefined;
        try {
          current = await read(key);
        } catch (err) {
          if (!(err instanceof CheckpointNotFoundError)) throw err;
        }
        const next = await fn(current);
        await writeFileAtomic(dir, key, encode(key, next), fileMode);
        return next;
      });
    },
    sweep: () => sweepDir(dir, options.logger),
    async close() {
      const release = releaseStore;
      releaseStore = undefined;
      await Promise.allSettled([...pending]);
      await release?.();
    },
  };
  // Writes in progress, which close() lets finish.
  const pending = new Set<Promise<unknown>>();
  /** `fn` under the key's lock (only queued in this process when exclusive), tracked for close(). */
  function locked<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const p = withKeyLock(dir, key, lock, fn, !exclusive);
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
    return p;
  }
  let releaseStore: (() => Promise<void>) | undefined;
  if (exclusive) releaseStore = await acquireStoreLock(dir, STORE_LOCK_KEY, lock);
  try {
    if (options.sweepOnOpen ?? true) await store.sweep();
  } catch (err) {
    await releaseStore?.();
    throw err;
  }
  return store;
}
