import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureDiskUsage, observeFilesystem } from './disk-usage.js';

describe('measureDiskUsage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-evict-du-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts allocated blocks and inodes once, like du -x and find -xdev', async () => {
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'a/one'), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(dir, 'a/b/two'), Buffer.alloc(128 * 1024, 1));
    linkSync(join(dir, 'a/b/two'), join(dir, 'a/two-again'));
    writeFileSync(join(dir, 'a/empty'), '');
    const u = await measureDiskUsage([join(dir, 'a')]);
    // a, a/b, one, two (once), empty
    expect(u.inodes).toBe(5);
    expect(u.bytes).toBeGreaterThanOrEqual(192 * 1024);
    expect(u.bytes).toBeLessThan(192 * 1024 + 64 * 1024);
  });

  it('counts a missing path as zero', async () => {
    expect(await measureDiskUsage([join(dir, 'nope'), join(dir, 'a/one/not-a-dir')])).toEqual({
      bytes: 0,
      inodes: 0,
    });
  });

  it('reads statfs with a device id', async () => {
    const fs = await observeFilesystem(dir);
    expect(fs.capacityBytes).toBeGreaterThan(0);
    expect(fs.availableBytes).toBeLessThanOrEqual(fs.capacityBytes);
    expect(fs.inodes).toBeGreaterThan(0);
    expect(typeof fs.device).toBe('number');
  });
});
