import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIdentity, selfIdentity, uniqueSuffix } from './process-identity.js';

/** Temporary files start with this; the rest of the name is the writer's identity. */
export const TEMP_PREFIX = '.tmp-';

/** Flushes a directory's entries (a rename or unlink in it) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `dir/name` with `data` so that a reader (or a crash at any moment) sees either the
 * whole old file or the whole new one: write a temporary file in the same directory, fsync it,
 * rename it over the target, fsync the directory. A crash leaves at most a temporary file
 * named after this process, which a later sweep removes once this process is gone.
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: Uint8Array,
  mode: number,
): Promise<void> {
  const temp = join(dir, `${TEMP_PREFIX}${formatIdentity(selfIdentity())}-${uniqueSuffix()}`);
  const fh = await open(temp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, join(dir, name));
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}
