import { isInvalidArgument, kindOf } from '@capstan/errdefs';
import { expect, it } from 'vitest';
import {
  HISTORY_MAX_BYTES,
  HISTORY_MAX_EVENTS,
  type PodEvent,
  PodRegistry,
} from './pod-registry.js';
import type { Pod } from './pod-types.js';

// The registry's watch history (pure logic: no runtime, no checkpoints).

function pod(name: string, envVars = 0): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: Array.from({ length: envVars }, (_, i) => ({
            name: `V${i}`,
            value: 'x'.repeat(20),
          })),
        },
      ],
    },
  } as Pod;
}

function replay(r: PodRegistry, rv: string): PodEvent[] {
  const got: PodEvent[] = [];
  r.watch((e) => got.push(e), rv)();
  return got;
}

it('a resumed watch replays every event after its resourceVersion, as copies', async () => {
  const r = new PodRegistry();
  await r.upsert(pod('a'), 'api');
  const from = r.resourceVersion();
  const b = await r.upsert(pod('b'), 'api');
  r.markDeleting(b.pod.metadata.uid!, 0);
  await r.finalize(b.pod.metadata.uid!);
  const got = replay(r, from);
  expect(got.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
    'ADDED b',
    'MODIFIED b',
    'DELETED b',
  ]);
  got[0]!.object.metadata.name = 'changed';
  expect(replay(r, from)[0]!.object.metadata.name).toBe('b');
});

it('keeps the history within its byte bound, and a watch from before it is Expired, not silently short', async () => {
  const r = new PodRegistry();
  const first = await r.upsert(pod('p0'), 'api');
  const rv0 = first.pod.metadata.resourceVersion!;
  // ~1.4 MiB of JSON per pod: 30 of them are more than the byte bound, far fewer than the count bound.
  const big = 40_000;
  const bytesEach = JSON.stringify(pod('p', big)).length;
  const n = Math.ceil((2 * HISTORY_MAX_BYTES) / bytesEach);
  expect(n).toBeLessThan(HISTORY_MAX_EVENTS);
  for (let i = 1; i <= n; i++) await r.upsert(pod(`p${i}`, big), 'api');
  let oldest = 0;
  try {
    replay(r, rv0);
  } catch (err) {
    expect(kindOf(err)).toBe('out-of-range');
    oldest = Number(/too old resource version: \d+ \((\d+)\)/.exec(String(err))?.[1]);
  }
  expect(oldest).toBeGreaterThan(Number(rv0));
  const held = Number(r.resourceVersion()) - oldest + 1;
  expect(replay(r, String(oldest - 1)).length).toBe(held);
  expect(held * bytesEach).toBeLessThanOrEqual(HISTORY_MAX_BYTES);
  expect(held).toBeGreaterThanOrEqual(Math.floor(HISTORY_MAX_BYTES / bytesEach) - 1);
  expect(() => replay(r, String(oldest - 2))).toThrow(/too old/);
  expect(replay(r, r.resourceVersion())).toEqual([]);
});

it('keeps at most HISTORY_MAX_EVENTS small events', async () => {
  const r = new PodRegistry();
  const e = await r.upsert(pod('a'), 'api');
  for (let i = 0; i < HISTORY_MAX_EVENTS + 10; i++)
    r.setStatus(e.pod.metadata.uid!, { phase: 'Pending', message: String(i) });
  expect(() => replay(r, '5')).toThrow(/too old/);
  expect(replay(r, String(Number(r.resourceVersion()) - HISTORY_MAX_EVENTS)).length).toBe(
    HISTORY_MAX_EVENTS,
  );
});

it('a resourceVersion that is no number is an invalid-argument error', () => {
  const r = new PodRegistry();
  const err = (() => {
    try {
      replay(r, 'abc');
    } catch (e) {
      return e;
    }
  })();
  expect(isInvalidArgument(err)).toBe(true);
});
