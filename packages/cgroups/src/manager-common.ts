import type { CgroupFileSystem } from './cgroup-fs.js';
import {
  type CgroupError,
  errnoCode,
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
} from './errors.js';
import type { CgroupLogger } from './logger.js';

/** Resolve after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll `check` with a short backoff (1 ms doubling up to 20 ms) until it returns true or
 * `timeoutMs` passes. Used only for waits on the kernel that have no notification
 * (freezer state, task exit), never for events.
 */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 20);
  }
}

/** Map a filesystem error of a write to a typed error that says which file and value. */
export function writeError(err: unknown, file: string, value: string): CgroupError {
  const code = errnoCode(err);
  const what = `writing ${JSON.stringify(value)} to ${file}`;
  switch (code) {
    case 'EINVAL':
    case 'ERANGE':
      return new InvalidArgumentError(`the kernel rejected ${what} (${code})`, { cause: err });
    case 'ENOENT':
      return new NotFoundError(`${file} does not exist (${what})`, { cause: err });
    case 'ESRCH':
      return new NotFoundError(`no such process: ${what}`, { cause: err });
    case 'EBUSY':
    case 'EOPNOTSUPP':
    case 'EPERM':
    case 'EACCES':
      return new FailedPreconditionError(`the kernel refused ${what} (${code})`, { cause: err });
    default:
      return new InternalError(`${what} failed (${code ?? String(err)})`, { cause: err });
  }
}

/** Map a filesystem error of a read to a typed error. */
export function readError(err: unknown, file: string): CgroupError {
  if (errnoCode(err) === 'ENOENT')
    return new NotFoundError(`${file} does not exist`, { cause: err });
  return new InternalError(`reading ${file} failed (${errnoCode(err) ?? String(err)})`, {
    cause: err,
  });
}

/** Read a file, or undefined when it does not exist. */
export async function readOptional(
  fs: CgroupFileSystem,
  file: string,
): Promise<string | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw readError(err, file);
  }
}

/** Parse `cgroup.procs` content into pids. */
export function parsePids(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t) out.push(Number(t));
  }
  return out;
}

/** SIGKILL each pid, ignoring processes that are already gone. Returns how many were signalled. */
export function killPids(pids: Iterable<number>): number {
  let n = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      n += 1;
    } catch (err) {
      if (errnoCode(err) !== 'ESRCH') throw err;
    }
  }
  return n;
}

/** Check a pid argument. */
export function validatePid(pid: number): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new InvalidArgumentError(`pid ${String(pid)} is not a positive integer`);
  }
}

/**
 * Writes to cgroup files that can be undone: each write first records the file's current
 * content; {@link rollback} restores them in reverse order. A failed write is mapped to a
 * typed error naming the file and value.
 */
export class FileTransaction {
  readonly #fs: CgroupFileSystem;
  readonly #logger: CgroupLogger;
  readonly #undo: Array<{ file: string; previous: string }> = [];

  constructor(fs: CgroupFileSystem, logger: CgroupLogger) {
    this.#fs = fs;
    this.#logger = logger;
  }

  /** Read a file (for decisions such as the order of memory and swap writes). */
  async read(file: string): Promise<string> {
    try {
      return await this.#fs.readFile(file);
    } catch (err) {
      throw readError(err, file);
    }
  }

  /** Write `value` to `file`, remembering the old content. */
  async write(file: string, value: string): Promise<void> {
    const previous = (await readOptional(this.#fs, file))?.trim();
    try {
      await this.#fs.writeFile(file, value);
    } catch (err) {
      throw writeError(err, file, value);
    }
    if (previous !== undefined && previous !== value) this.#undo.push({ file, previous });
  }

  /** Restore every file written so far, newest first; failures are logged, not thrown. */
  async rollback(): Promise<void> {
    for (const { file, previous } of this.#undo.splice(0).reverse()) {
      try {
        await this.#fs.writeFile(file, previous);
      } catch (err) {
        this.#logger.warn(
          { file, value: previous, err },
          'could not restore a cgroup file while rolling back',
        );
      }
    }
  }
}
