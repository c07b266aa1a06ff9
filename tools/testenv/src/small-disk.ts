import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mountsUnder, unmountAllUnder } from './mount-cleanup.js';

const run = promisify(execFile);

/** A small tmpfs that a test fills up to make every write below it fail with ENOSPC. */
export interface SmallDisk {
  path: string;
  /**
   * Takes every free block and inode: one filler file until ENOSPC, then empty files until
   * no inode is left. Resolves with what it took.
   */
  fill(): { bytes: number; inodes: number };
  /** Gives the space back (removes the filler). */
  free(): void;
  /** Free bytes and inodes now. */
  available(): { bytes: number; inodes: number };
  /** Unmounts it (everything mounted below it first). */
  unmount(): Promise<void>;
}

const FILLER = '.capstan-filler';

function isNoSpace(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOSPC';
}

/**
 * Mounts a tmpfs of `sizeMiB` (and `inodes` inodes) at `path` (created if missing; it must
 * not be a mount point already).
 */
export async function mountSmallDisk(
  path: string,
  opts: { sizeMiB: number; inodes?: number },
): Promise<SmallDisk> {
  if (!Number.isInteger(opts.sizeMiB) || opts.sizeMiB < 1)
    throw new Error(`mountSmallDisk: sizeMiB must be a positive integer, got ${opts.sizeMiB}`);
  mkdirSync(path, { recursive: true });
  if (mountsUnder(path).some((m) => m.mountPoint === path))
    throw new Error(`mountSmallDisk: ${path} is a mount point already`);
  await run('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${opts.sizeMiB}m,nr_inodes=${opts.inodes ?? 16_384},mode=0755`,
    'capstan-small-disk',
    path,
  ]);
  const filler = join(path, FILLER);
  const available = () => {
    const s = statfsSync(path);
    return { bytes: s.bavail * s.bsize, inodes: s.ffree };
  };
  return {
    path,
    available,
    fill() {
      mkdirSync(filler, { recursive: true });
      let bytes = 0;
      const fd = openSync(join(filler, 'blocks'), 'a');
      try {
        for (const chunk of [1 << 20, 4096, 1]) {
          const buf = Buffer.alloc(chunk);
          for (;;) {
            try {
              bytes += writeSync(fd, buf);
            } catch (err) {
              if (isNoSpace(err)) break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      let inodes = 0;
      for (;;) {
        try {
          closeSync(openSync(join(filler, `i${inodes}`), 'wx'));
          inodes++;
        } catch (err) {
          if (isNoSpace(err)) break;
          throw err;
        }
      }
      return { bytes, inodes };
    },
    free() {
      rmSync(filler, { recursive: true, force: true });
    },
    async unmount() {
      await unmountAllUnder(path);
    },
  };
}
