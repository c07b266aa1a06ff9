import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../src/checkpoint-envelope.js';
import { jsonCodec, openCheckpointStore } from '../src/index.js';
import { checkpointValue } from './fixtures/values.js';
import { spawnWorker } from './worker-process.js';

// A writer process is SIGKILLed at random moments; after every kill each checkpoint must be
// exactly the old or the new value, byte for byte, and read back through the store.

const KEYS = ['pod-a', 'pod-b', 'sandbox-c'];
const ITERATIONS = 300;
const LANES = 4; // independent stores killed in parallel, to keep the run short on 2 cores
const BYTES = 64 * 1024;
const MAX_KILL_DELAY_MS = 20;

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const fileBytes = (tag: string, phase: string, key: string, bytes: number) =>
  encodeEnvelope('json', 1, jsonCodec.encode(checkpointValue(tag, phase, key, bytes)));

interface LaneStats {
  kills: number;
  changed: number;
  midWrite: number;
  staleLocks: number;
  torn: string[];
  corruptListed: number;
}

/** Runs `kills` kill rounds of the worker in `mode` against a fresh store, checking each. */
async function killLoop(
  lane: string,
  mode: string,
  kills: number,
  bytes: number,
  stopOnTorn = false,
) {
  const dir = join(root, lane);
  const store = await openCheckpointStore({ dir, sweepOnOpen: false });
  const whole = new Map<string, Buffer[]>();
  for (const key of KEYS) {
    await store.put(key, checkpointValue(lane, 'A', key, bytes));
    whole.set(key, [fileBytes(lane, 'A', key, bytes), fileBytes(lane, 'B', key, bytes)]);
  }
  const stats: LaneStats = {
    kills: 0,
    changed: 0,
    midWrite: 0,
    staleLocks: 0,
    torn: [],
    corruptListed: 0,
  };
  const last = new Map<string, Buffer>();
  for (let i = 0; i < kills; i++) {
    const worker = spawnWorker([mode, dir, lane, KEYS.join(','), String(bytes), '0']);
    await worker.waitFor('ready');
    await sleep(Math.random() * MAX_KILL_DELAY_MS);
    worker.child.kill('SIGKILL');
    await worker.exited;
    stats.kills++;

    for (const key of KEYS) {
      const now = readFileSync(join(dir, key));
      if (!whole.get(key)!.some((b) => b.equals(now))) stats.torn.push(`${key} after kill ${i}`);
      if (last.has(key) && !last.get(key)!.equals(now)) stats.changed++;
      last.set(key, now);
    }
    const names = readdirSync(dir);
    if (names.some((n) => n.startsWith('.tmp-'))) stats.midWrite++;
    if (names.some((n) => n.startsWith('.lock-') && readdirSync(join(dir, n)).length > 0)) {
      stats.staleLocks++;
    }
    const listing = await store.list();
    stats.corruptListed += listing.corrupt.length;
    if (stopOnTorn && stats.torn.length > 0) break;
    if (mode === 'alternate') {
      // Leftover temporary and lock files are never listed as keys.
      expect(listing).toEqual({ keys: [...KEYS].sort(), corrupt: [] });
      for (const key of KEYS)
        expect((await store.get(key)) as { key: string }).toMatchObject({ key });
    }
  }
  return { store, dir, stats };
}

describe('SIGKILL during writes', () => {
  it(`leaves every checkpoint old or new, never torn, across ${ITERATIONS} kills`, async () => {
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, i) =>
        killLoop(`lane${i}`, 'alternate', ITERATIONS / LANES, BYTES),
      ),
    );
    const total = lanes.reduce(
      (sum, { stats }) => ({
        kills: sum.kills + stats.kills,
        changed: sum.changed + stats.changed,
        midWrite: sum.midWrite + stats.midWrite,
        staleLocks: sum.staleLocks + stats.staleLocks,
        torn: [...sum.torn, ...stats.torn],
      }),
      { kills: 0, changed: 0, midWrite: 0, staleLocks: 0, torn: [] as string[] },
    );
    expect(total.torn).toEqual([]);
    expect(total.kills).toBe(ITERATIONS);
    // The kills did land while values were changing and in the middle of writes.
    expect(total.changed).toBeGreaterThan(0);
    expect(total.midWrite).toBeGreaterThan(0);
    // Killed writers held key locks (put takes one); the next writer broke them and went on.
    expect(total.staleLocks).toBeGreaterThan(0);

    // A sweep removes what the killed writers left: only the checkpoints remain.
    for (const { store, dir } of lanes) {
      await store.sweep();
      expect(readdirSync(dir).sort()).toEqual([...KEYS].sort());
    }
  }, 120_000); // about 16 s alone on 2 cores; room for a loaded CI machine

  it('control: the same kills do tear files rewritten in place, and the store reports them', async () => {
    const { stats } = await killLoop('naive', 'naive', 60, 1024 * 1024, true);
    expect(stats.torn.length).toBeGreaterThan(0);
    expect(stats.corruptListed).toBeGreaterThan(0);
  });
});
