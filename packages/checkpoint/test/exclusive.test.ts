import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, openCheckpointStore } from '../src/index.js';
import { spawnWorker } from './worker-process.js';

// An exclusive store: one lock for the whole directory, held from open to close, and no
// per-key lock directories on writes.

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-exclusive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${n++}`);
const lockDirs = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.lock-'));
/** What the lock directories hold: after close, the one store lock's `released` marker. */
const lockFiles = (dir: string) => lockDirs(dir).map((d) => readdirSync(join(dir, d)));

describe('exclusive stores', () => {
  it('hold one store lock, write without per-key locks, and release it in place on close', async () => {
    const dir = freshDir();
    const store = await openCheckpointStore<number>({ dir, exclusive: true });
    expect(lockDirs(dir)).toHaveLength(1);
    const seen = new Set<number>();
    const writes = Array.from({ length: 20 }, (_, i) => store.put(`k${i % 4}`, i));
    // While writes are in flight only the store lock exists.
    const poll = setInterval(() => seen.add(lockDirs(dir).length), 0);
    await Promise.all(writes);
    clearInterval(poll);
    expect([...seen].every((c) => c === 1)).toBe(true);
    // Writes to one key land in call order.
    expect(await store.get('k3')).toBe(19);
    expect(await store.update('k0', (v) => (v ?? 0) + 100)).toBe(116);
    expect(await store.remove('k1')).toBe(true);
    expect((await store.list()).keys).toEqual(['k0', 'k2', 'k3']);
    await store.close();
    // Released in place (so that it can be taken again on a full disk: store-lock.test.ts).
    expect(lockFiles(dir)).toEqual([['released']]);
    // Another exclusive opener gets it at once and sees everything.
    const again = await openCheckpointStore<number>({ dir, exclusive: true, lockTimeoutMs: 200 });
    expect(await again.get('k2')).toBe(18);
    await again.close();
  });

  it('a second exclusive open waits lockTimeoutMs for a live holder, then throws LockTimeoutError', async () => {
    const dir = freshDir();
    const first = await openCheckpointStore({ dir, exclusive: true });
    const t0 = Date.now();
    const err = await openCheckpointStore({ dir, exclusive: true, lockTimeoutMs: 150 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).holderPid).toBe(process.pid);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    // A shared (non-exclusive) store can still read.
    await first.put('a', 1);
    const reader = await openCheckpointStore({ dir, sweepOnOpen: false });
    expect(await reader.get('a')).toBe(1);
    await first.close();
  });

  it('the lock of a holder killed with SIGKILL is broken by the next opener', async () => {
    const dir = freshDir();
    const worker = spawnWorker(['exclusive-hold', dir]);
    try {
      await worker.waitFor('held');
      const busy = await openCheckpointStore({ dir, exclusive: true, lockTimeoutMs: 100 }).catch(
        (e: unknown) => e,
      );
      expect(busy).toBeInstanceOf(LockTimeoutError);
      expect((busy as LockTimeoutError).holderPid).toBe(worker.child.pid);
    } finally {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    const store = await openCheckpointStore<number>({ dir, exclusive: true, lockTimeoutMs: 2000 });
    expect(await store.get('held')).toBe(worker.child.pid);
    expect(lockDirs(dir)).toHaveLength(1);
    await store.close();
    expect(lockFiles(dir)).toEqual([['released']]);
  });
});
