import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { mountsUnder } from './mount-cleanup.js';
import { mountSmallDisk } from './small-disk.js';

const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('fills a real tmpfs until writes and creates fail with ENOSPC, then frees it', async () => {
  const path = join(dir, 'disk');
  const disk = await mountSmallDisk(path, { sizeMiB: 4, inodes: 256 });
  try {
    expect(mountsUnder(path).map((m) => m.fsType)).toEqual(['tmpfs']);
    await expect(mountSmallDisk(path, { sizeMiB: 4 })).rejects.toThrow(/mount point already/);
    const before = disk.available();
    expect(before.bytes).toBeGreaterThan(3 << 20);
    const took = disk.fill();
    expect(took.bytes).toBeGreaterThanOrEqual(before.bytes - 4096);
    expect(took.inodes).toBeGreaterThan(0);
    expect(disk.available()).toEqual({ bytes: 0, inodes: 0 });
    expect(() => writeFileSync(join(path, 'x'), 'data')).toThrow(/ENOSPC/);
    disk.free();
    writeFileSync(join(path, 'x'), 'data');
    expect(disk.available().bytes).toBeGreaterThan(3 << 20);
  } finally {
    await disk.unmount();
  }
  expect(mountsUnder(path)).toEqual([]);
  expect(existsSync(join(path, 'x'))).toBe(false);
  await expect(mountSmallDisk(join(dir, 'bad'), { sizeMiB: 0 })).rejects.toThrow(/positive/);
});
