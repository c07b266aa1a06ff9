import { readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointLogger } from './checkpoint-logger.js';
import { TEMP_PREFIX } from './fs-atomic.js';
import { isAlive, parseIdentity } from './process-identity.js';

/** What a sweep removed. */
export interface SweepResult {
  /** Paths of the temporary files, staging directories and stale lock files removed. */
  removed: string[];
}

const LOCK_DIR = /^\.lock-[0-9a-f]{64}$/;
const LOCK_STAGING = /^\.lock-[0-9a-f]{64}\.acq-(.*)$/;

function deadMaker(name: string): boolean {
  const id = parseIdentity(name);
  return id !== undefined && !isAlive(id);
}

function ignoreGone(err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
}

/**
 * Removes what crashed processes left in `dir`: temporary files, lock staging directories and
 * lock owner files whose maker is gone, and lock directories left empty. Files of live
 * processes (this one included) are left alone, so a sweep is safe while others write.
 */
export async function sweepDir(dir: string, logger?: CheckpointLogger): Promise<SweepResult> {
  const removed: string[] = [];
  const note = (path: string) => {
    removed.push(path);
    logger?.warn({ path }, 'checkpoint: removed leftover of a crashed process');
  };
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const staging = LOCK_STAGING.exec(entry.name);
    if (entry.name.startsWith(TEMP_PREFIX) && entry.isFile()) {
      if (!deadMaker(entry.name.slice(TEMP_PREFIX.length))) continue;
      await unlink(path).then(() => note(path), ignoreGone);
    } else if (staging && entry.isDirectory()) {
      if (!deadMaker(staging[1] ?? '')) continue;
      await rm(path, { recursive: true, force: true });
      note(path);
    } else if (LOCK_DIR.test(entry.name) && entry.isDirectory()) {
      let owners: string[] = [];
      try {
        owners = await readdir(path);
      } catch (err) {
        ignoreGone(err);
      }
      for (const owner of owners) {
        if (!deadMaker(owner)) continue;
        await unlink(join(path, owner)).then(() => note(join(path, owner)), ignoreGone);
      }
      await rmdir(path).catch(ignoreGone); // only when empty: a live holder keeps it
    }
  }
  return { removed };
}
