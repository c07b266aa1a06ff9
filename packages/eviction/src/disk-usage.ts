import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskUsage, FsObservation } from './observation.js';

const isMissing = (err: unknown) =>
  (err as NodeJS.ErrnoException).code === 'ENOENT' ||
  (err as NodeJS.ErrnoException).code === 'ENOTDIR';

/**
 * Bytes on disk and inodes used under some paths, as `du -x -s` and `find -xdev | wc -l`
 * count them for the kubelet (cadvisor): allocated blocks (not file sizes), every inode
 * once (hard links deduplicated), not crossing into other filesystems. Missing paths
 * count 0; entries that vanish during the walk are skipped.
 */
export async function measureDiskUsage(paths: readonly string[]): Promise<DiskUsage> {
  const seen = new Set<string>();
  let bytes = 0;
  let inodes = 0;
  const visit = async (path: string, dev: number | undefined): Promise<void> => {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    if (dev !== undefined && st.dev !== dev) return;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    bytes += st.blocks * 512;
    inodes += 1;
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    await Promise.all(names.map((n) => visit(join(path, n), st.dev)));
  };
  for (const p of paths) await visit(p, undefined);
  return { bytes, inodes };
}

/** statfs of a filesystem, as cadvisor reports it to the kubelet, plus its device id. */
export async function observeFilesystem(path: string): Promise<FsObservation> {
  const [s, st] = await Promise.all([statfs(path), lstat(path)]);
  return {
    capacityBytes: s.blocks * s.bsize,
    availableBytes: s.bavail * s.bsize,
    inodes: s.files,
    inodesFree: s.ffree,
    device: st.dev,
    time: Date.now(),
  };
}
