import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mountSmallDisk, type SmallDisk } from '@capstan/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, openCheckpointStore } from '../src/index.js';
import { lockName } from '../src/key-lock.js';
import { RELEASED } from '../src/store-lock.js';
import { spawnWorker } from './worker-process.js';

// An exclusive store (a runtime's own state) must open on a full disk: a runtime that
// crashed or was restarted there has to come back to free space. A real tmpfs, filled up.
const STORE_LOCK = lockName('.store');
let disk: SmallDisk;
let n = 0;
const freshDir = () => join(disk.path, `s${n++}`);

beforeAll(async () => {
  disk = await mountSmallDisk(`/tmp/capstan-store-lock-${process.pid}`, {
    sizeMiB: 2,
    inodes: 512,
  });
});
afterAll(async () => {
  await disk.unmount();
  rmSync(disk.path, { recursive: true, force: true });
});

describe('the store lock of an exclusive store on a full disk', () => {
  it('reopens after a clean close: the released lock is reused in place', async () => {
    const dir = freshDir();
    const first = await openCheckpointStore<string>({ dir, exclusive: true });
    await first.put('sandbox-a', 'ready');
    await first.close();
    expect(readdirSync(join(dir, STORE_LOCK))).toEqual([RELEASED]);
    disk.fill();
    try {
      const again = await openCheckpointStore<string>({ dir, exclusive: true });
      expect(await again.get('sandbox-a')).toBe('ready');
      // Writes fail with the disk's error, and what was there stays.
      await expect(again.put('sandbox-a', 'changed')).rejects.toThrow(/ENOSPC/);
      await expect(again.put('sandbox-b', 'new')).rejects.toThrow(/ENOSPC/);
      expect(await again.list()).toEqual({ keys: ['sandbox-a'], corrupt: [] });
      expect(await again.get('sandbox-a')).toBe('ready');
      // Held: a second opener waits for it and times out, naming this process.
      const err = await openCheckpointStore({ dir, exclusive: true, lockTimeoutMs: 200 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LockTimeoutError);
      expect((err as LockTimeoutError).holderPid).toBe(process.pid);
      await again.close();
    } finally {
      disk.free();
    }
    expect(readdirSync(join(dir, STORE_LOCK))).toEqual([RELEASED]);
    // With space again, the usual protocol takes the released lock.
    const third = await openCheckpointStore<string>({ dir, exclusive: true });
    await third.put('sandbox-b', 'new');
    expect(await third.list()).toEqual({ keys: ['sandbox-a', 'sandbox-b'], corrupt: [] });
    await third.close();
  });

  it('takes over a killed holder in place; of racing openers exactly one wins', async () => {
    const dir = freshDir();
    const worker = spawnWorker(['exclusive-hold', dir]);
    await worker.waitFor('held');
    disk.fill();
    worker.child.kill('SIGKILL');
    await worker.exited;
    try {
      const results = await Promise.allSettled(
        [0, 1, 2].map(() => openCheckpointStore({ dir, exclusive: true, lockTimeoutMs: 300 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const r of lost) expect(r.reason).toBeInstanceOf(LockTimeoutError);
      const owners = readdirSync(join(dir, STORE_LOCK));
      expect(owners).toHaveLength(1);
      expect(owners[0]).toMatch(new RegExp(`^${process.pid}-`));
      const store = (
        won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof openCheckpointStore>>>
      ).value;
      // What the killed holder wrote is all there.
      expect(await store.get('held')).toBe(worker.child.pid);
      await store.close();
    } finally {
      disk.free();
    }
  });

  it('without a lock directory to reuse, the disk error is what opening throws', async () => {
    const dir = freshDir();
    (await openCheckpointStore({ dir })).close();
    disk.fill();
    try {
      await expect(openCheckpointStore({ dir, exclusive: true })).rejects.toMatchObject({
        code: 'ENOSPC',
      });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      disk.free();
    }
  });
});
