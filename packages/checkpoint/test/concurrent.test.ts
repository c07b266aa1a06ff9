import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../src/checkpoint-envelope.js';
import { jsonCodec, LockTimeoutError, openCheckpointStore } from '../src/index.js';
import { checkpointValue } from './fixtures/values.js';
import { spawnWorker, type Worker } from './worker-process.js';

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-concurrent-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const workers: Worker[] = [];
afterAll(() => {
  for (const w of workers) w.child.kill('SIGKILL');
});
const start = (args: string[]) => {
  const w = spawnWorker(args);
  workers.push(w);
  return w;
};

describe('two writer processes on the same keys', () => {
  it('never produce a torn or mixed file, for readers during the run or after it', async () => {
    const dir = join(root, 'writers');
    const keys = ['pod-a', 'pod-b', 'pod-c'];
    const bytes = 32 * 1024;
    const store = await openCheckpointStore({ dir });
    for (const key of keys) await store.put(key, checkpointValue('W1', 'A', key, bytes));
    const whole = new Map(
      keys.map((key) => [
        key,
        ['W1', 'W2'].flatMap((tag) =>
          ['A', 'B'].map((phase) =>
            encodeEnvelope('json', 1, jsonCodec.encode(checkpointValue(tag, phase, key, bytes))),
          ),
        ),
      ]),
    );
    const writers = ['W1', 'W2'].map((tag) =>
      start(['alternate', dir, tag, keys.join(','), String(bytes), '150']),
    );
    let running = true;
    const done = Promise.all(writers.map((w) => w.exited)).finally(() => {
      running = false;
    });
    let reads = 0;
    const bad: string[] = [];
    while (running) {
      for (const key of keys) {
        const now = readFileSync(join(dir, key));
        if (!whole.get(key)!.some((b) => b.equals(now))) bad.push(key);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await done, writers.map((w) => w.output()).join('\n')).toEqual([0, 0]);
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    for (const key of keys) expect(await store.get(key)).toMatchObject({ key });
    expect(await store.list()).toEqual({ keys, corrupt: [] });
    // Locks were released and temporary files renamed: nothing but the checkpoints is left.
    expect(readdirSync(dir).sort()).toEqual(keys);
  });
});

describe('update() across processes', () => {
  it('loses no increment: 3 processes and this one, 100 updates each', async () => {
    const dir = join(root, 'counter');
    const store = await openCheckpointStore<number>({ dir });
    const others = [1, 2, 3].map(() => start(['increment', dir, 'counter', '100']));
    const mine = Promise.all(
      Array.from({ length: 100 }, () => store.update('counter', (n) => (n ?? 0) + 1)),
    );
    expect(await Promise.all(others.map((w) => w.exited))).toEqual([0, 0, 0]);
    await mine;
    expect(await store.get('counter')).toBe(400);
    expect(readdirSync(dir)).toEqual(['counter']);
  });

  it('waits for a live holder, times out with LockTimeoutError, and breaks the lock of a killed one', async () => {
    const dir = join(root, 'stale');
    const warnings: Record<string, unknown>[] = [];
    const logger = { warn: (fields: Record<string, unknown>) => void warnings.push(fields) };
    const store = await openCheckpointStore<string>({ dir, lockTimeoutMs: 300, logger });
    const holder = start(['hold-lock', dir, 'sandbox']);
    await holder.waitFor('locked');

    const timedOut = await store.update('sandbox', () => 'mine').catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(LockTimeoutError);
    expect(timedOut).toMatchObject({ key: 'sandbox', holderPid: holder.child.pid });
    expect((timedOut as LockTimeoutError).path.startsWith(dir)).toBe(true);
    await expect(store.get('sandbox')).rejects.toThrow(/not found/);

    holder.child.kill('SIGKILL');
    await holder.exited;
    // Broken at once, not waited out: a timeout would take 10 s.
    const patient = await openCheckpointStore<string>({
      dir,
      lockTimeoutMs: 10_000,
      logger,
      sweepOnOpen: false, // the lock itself must recover, not the sweep
    });
    const t0 = Date.now();
    expect(await patient.update('sandbox', (v) => `${v ?? 'none'}->mine`)).toBe('none->mine');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(warnings).toEqual([expect.objectContaining({ key: 'sandbox' })]);
    expect(readdirSync(dir)).toEqual(['sandbox']);
  });
});
