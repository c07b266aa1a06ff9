import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import {
  CgroupPopulatedError,
  DeadlineExceededError,
  errnoCode,
  FailedPreconditionError,
} from './errors.js';
import { killPids, sleep, waitFor, writeError } from './manager-common.js';

const describePids = (pids: readonly number[]) =>
  pids.length > 10 ? `${pids.slice(0, 10).join(', ')}, ...` : pids.join(', ');

/**
 * Wait until the subtree has no process (by `isEmpty`, default: no pid listed), or throw
 * {@link CgroupPopulatedError} at the deadline.
 */
export async function waitEmpty(
  path: string,
  pids: () => Promise<number[]>,
  deadline: number,
  isEmpty: () => Promise<boolean> = async () => (await pids()).length === 0,
): Promise<void> {
  const started = Date.now();
  const ok = await waitFor(isEmpty, Math.max(0, deadline - started));
  if (ok) return;
  const left = await pids();
  if (left.length === 0) return;
  throw new CgroupPopulatedError(
    path,
    left,
    `cgroup ${path} still has ${left.length} process(es) (pids ${describePids(left)}) after waiting ${Date.now() - started} ms; kill them first (killAll or destroy)`,
  );
}

/** rmdir a cgroup directory and its descendants, deepest first, retrying EBUSY until the deadline. */
export async function removeTree(
  fs: CgroupFileSystem,
  dir: string,
  deadline: number,
  pids: () => Promise<number[]>,
  path: string,
): Promise<void> {
  let children: string[];
  try {
    children = await fs.listDirs(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw writeError(err, dir, '(list)');
  }
  for (const c of children) await removeTree(fs, join(dir, c), deadline, pids, path);
  for (;;) {
    try {
      await fs.rmdir(dir);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) {
        if (code === 'EBUSY') {
          const left = await pids();
          throw new CgroupPopulatedError(
            path,
            left,
            `cgroup ${path} is still busy (${dir}); processes left: ${describePids(left) || 'none listed'}`,
            { cause: err },
          );
        }
        throw writeError(err, dir, '(rmdir)');
      }
      // Tasks that just exited can keep a cgroup busy for a moment.
      await sleep(5);
    }
  }
}

/** How a backend freezes: request it, check it, and undo it when the wait runs out. */
export interface FreezeSteps {
  path: string;
  timeoutMs: number;
  request(): Promise<void>;
  isFrozen(): Promise<boolean>;
  undo(): Promise<void>;
}

/** Freeze and wait until the kernel reports the cgroup frozen. */
export async function freezeLoop(s: FreezeSteps): Promise<void> {
  await s.request();
  const ok = await waitFor(async () => {
    if (await s.isFrozen()) return true;
    // v1 can stay FREEZING while a task is in an uninterruptible sleep: ask again (as runc does).
    await s.request();
    return false;
  }, s.timeoutMs);
  if (!ok) {
    await s.undo().catch(() => {});
    throw new DeadlineExceededError(
      `cgroup ${s.path} did not freeze within ${s.timeoutMs} ms (thawed again)`,
    );
  }
}

/** How a backend kills: list pids, and optionally freeze/thaw around the kill or kill atomically. */
export interface KillSteps {
  path: string;
  timeoutMs: number;
  pids(): Promise<number[]>;
  freeze?(): Promise<void>;
  thaw?(): Promise<void>;
  /** Kill the whole subtree at once (v2 `cgroup.kill`). */
  killAll?(): Promise<void>;
}

/**
 * SIGKILL everything in a subtree until it is empty: freeze (so nothing forks in between),
 * list, kill, thaw, wait; repeat until empty or the deadline.
 *
 * @returns how many processes were signalled.
 */
export async function killLoop(s: KillSteps): Promise<number> {
  const deadline = Date.now() + s.timeoutMs;
  let signalled = 0;
  for (;;) {
    let pids = await s.pids();
    if (pids.length === 0) return signalled;
    if (pids.includes(process.pid)) {
      throw new FailedPreconditionError(
        `refusing to kill cgroup ${s.path}: it contains the calling process ${process.pid}`,
      );
    }
    if (s.killAll) {
      await s.killAll();
      signalled += pids.length;
    } else {
      if (s.freeze) await s.freeze().catch(() => {});
      pids = await s.pids();
      signalled += killPids(pids);
      if (s.thaw) await s.thaw().catch(() => {});
    }
    const remaining = deadline - Date.now();
    if (
      await waitFor(
        async () => (await s.pids()).length === 0,
        Math.max(0, Math.min(remaining, 1000)),
      )
    )
      return signalled;
    if (Date.now() >= deadline) {
      await waitEmpty(s.path, s.pids, deadline);
      return signalled;
    }
  }
}
