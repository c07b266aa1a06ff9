import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointCodec } from './checkpoint-codec.js';
import {
  CheckpointNotFoundError,
  InvalidKeyError,
  InvalidValueError,
  isCheckpointNotFound,
} from './checkpoint-errors.js';
import { openCheckpointStore } from './checkpoint-store.js';
import { lockName } from './key-lock.js';
import { formatIdentity, selfIdentity } from './process-identity.js';

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${n++}`);

describe('put / get / list / remove', () => {
  it('round-trips values and lists keys sorted', async () => {
    const store = await openCheckpointStore<{ id: string; ports: number[] }>({ dir: freshDir() });
    await store.put('sandbox-b', { id: 'b', ports: [80] });
    await store.put('sandbox-a', { id: 'a', ports: [] });
    await store.put('sandbox-b', { id: 'b', ports: [80, 443] });
    expect(await store.get('sandbox-b')).toEqual({ id: 'b', ports: [80, 443] });
    expect(await store.list()).toEqual({ keys: ['sandbox-a', 'sandbox-b'], corrupt: [] });
    expect(await store.remove('sandbox-a')).toBe(true);
    expect(await store.remove('sandbox-a')).toBe(false);
    expect(await store.list()).toEqual({ keys: ['sandbox-b'], corrupt: [] });
  });

  it('get of an absent key throws CheckpointNotFoundError naming key and path', async () => {
    const store = await openCheckpointStore({ dir: freshDir() });
    const err = await store.get('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointNotFoundError);
    expect(isCheckpointNotFound(err)).toBe(true);
    expect(err).toMatchObject({ key: 'nope', path: join(store.dir, 'nope') });
  });

  it('creates the directory 0700 and files 0600, and writes one file per key', async () => {
    const dir = join(freshDir(), 'nested', 'state');
    const store = await openCheckpointStore({ dir });
    await store.put('k', 1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['k']);
    expect(readFileSync(join(dir, 'k'), 'latin1')).toMatch(
      /^capstan-checkpoint\/1 json 1 1 sha256:[0-9a-f]{64}\n1$/,
    );
  });

  it('put throws InvalidValueError for values the codec cannot encode, and writes nothing', async () => {
    const store = await openCheckpointStore({ dir: freshDir() });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, 10n, cyclic, () => 1]) {
      await expect(store.put('k', bad)).rejects.toBeInstanceOf(InvalidValueError);
    }
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it('uses a custom codec, and validates its name and the schema version', async () => {
    const lines: CheckpointCodec<string[]> = {
      name: 'lines',
      encode: (v) => Buffer.from(v.join('\n')),
      decode: (b) => Buffer.from(b).toString().split('\n'),
    };
    const store = await openCheckpointStore({ dir: freshDir(), codec: lines, version: 7 });
    await store.put('hosts', ['a', 'b']);
    expect(await store.get('hosts')).toEqual(['a', 'b']);
    expect(readFileSync(join(store.dir, 'hosts'), 'latin1')).toMatch(
      /^capstan-checkpoint\/1 lines 7 3 /,
    );
    await expect(
      openCheckpointStore({ dir: freshDir(), codec: { ...lines, name: 'Bad Name' } }),
    ).rejects.toThrow(TypeError);
    for (const version of [0, -1, 1.5, Number.MAX_SAFE_INTEGER]) {
      await expect(openCheckpointStore({ dir: freshDir(), version })).rejects.toThrow(RangeError);
    }
  });
});

describe('keys', () => {
  const bad = [
    '../x',
    'a/b',
    '',
    '.hidden',
    '.',
    '..',
    'x'.repeat(300),
    'nul\0byte',
    'back\\slash',
    'new\nline',
    'é'.repeat(126),
    '\ud800',
  ];

  it.each(bad.map((k) => [JSON.stringify(k).slice(0, 40), k]))(
    'rejects %s and writes nothing anywhere',
    async (_, key) => {
      const parent = freshDir();
      const dir = join(parent, 'store');
      const store = await openCheckpointStore({ dir });
      const before = readdirSync(parent);
      await expect(store.put(key, 1)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.update(key, () => 1)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(store.remove(key)).rejects.toBeInstanceOf(InvalidKeyError);
      expect(readdirSync(parent)).toEqual(before);
      expect(readdirSync(dir)).toEqual([]);
      expect(existsSync(join(parent, 'x'))).toBe(false);
    },
  );

  it('accepts a 250-byte key, unicode, dots and dashes inside', async () => {
    const store = await openCheckpointStore({ dir: freshDir() });
    const keys = ['x'.repeat(250), 'é'.repeat(125), 'pod_ns.name-1:abc', 'a..b', '🚢 capstan'];
    for (const k of keys) await store.put(k, k.length);
    expect((await store.list()).keys).toEqual([...keys].sort());
  });

  it('does not list names that are not valid keys, nor temporary and lock files', async () => {
    const store = await openCheckpointStore({ dir: freshDir() });
    await store.put('good', 1);
    writeFileSync(join(store.dir, 'new\nline'), 'x');
    writeFileSync(join(store.dir, '.tmp-99999999-1-0-abc'), 'x');
    mkdirSync(join(store.dir, lockName('good')));
    expect(await store.list()).toEqual({ keys: ['good'], corrupt: [] });
  });
});

describe('update', () => {
  it('passes undefined for an absent key and the current value otherwise', async () => {
    const store = await openCheckpointStore<string[]>({ dir: freshDir() });
    expect(await store.update('k', (v) => [...(v ?? []), 'a'])).toEqual(['a']);
    expect(await store.update('k', (v) => [...(v ?? []), 'b'])).toEqual(['a', 'b']);
    expect(await store.get('k')).toEqual(['a', 'b']);
  });

  it('writes nothing when fn throws, and releases the lock', async () => {
    const store = await openCheckpointStore<number>({ dir: freshDir() });
    await store.put('k', 1);
    await expect(store.update('k', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await store.get('k')).toBe(1);
    expect(await store.update('k', (v) => (v ?? 0) + 1)).toBe(2);
    expect(readdirSync(store.dir)).toEqual(['k']);
  });

  it('serializes concurrent updates in one process, across store instances', async () => {
    const dir = freshDir();
    const a = await openCheckpointStore<number>({ dir });
    const b = await openCheckpointStore<number>({ dir });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).update('n', (v) => (v ?? 0) + 1)),
    );
    expect(await a.get('n')).toBe(50);
  });

  it('throws LockTimeoutError when this process holds the key longer than lockTimeoutMs', async () => {
    const store = await openCheckpointStore<number>({ dir: freshDir(), lockTimeoutMs: 100 });
    let release = () => {};
    const slow = store.update('k', () => new Promise<number>((r) => (release = () => r(1))));
    await expect(store.put('k', 2)).rejects.toMatchObject({
      name: 'LockTimeoutError',
      key: 'k',
      holderPid: process.pid,
    });
    release();
    expect(await slow).toBe(1);
    await store.put('k', 2);
    expect(await store.get('k')).toBe(2);
  });
});

describe('sweep', () => {
  it('removes temporary files and locks of dead processes, keeps those of live ones', async () => {
    const dir = freshDir();
    const store = await openCheckpointStore({ dir });
    await store.put('k', 1);
    const me = formatIdentity(selfIdentity());
    const dead = formatIdentity({ ...selfIdentity(), start: '1' }); // our PID, another process
    const otherBoot = formatIdentity({ ...selfIdentity(), boot: 'feed' });
    writeFileSync(join(dir, `.tmp-${dead}-aa`), 'partial');
    writeFileSync(join(dir, `.tmp-${otherBoot}-bb`), 'partial');
    writeFileSync(join(dir, `.tmp-${me}-cc`), 'in flight');
    mkdirSync(join(dir, lockName('k')));
    writeFileSync(join(dir, lockName('k'), `${dead}-dd`), '');
    mkdirSync(join(dir, `${lockName('j')}.acq-${dead}-ee`));
    const { removed } = await store.sweep();
    expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
      [
        `.tmp-${dead}-aa`,
        `.tmp-${otherBoot}-bb`,
        join(lockName('k'), `${dead}-dd`),
        `${lockName('j')}.acq-${dead}-ee`,
      ].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual([`.tmp-${me}-cc`, 'k']);
    expect(await store.list()).toEqual({ keys: ['k'], corrupt: [] });
  });

  it('runs on open, and puts go through a lock left by a dead process', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const dead = formatIdentity({ ...selfIdentity(), start: '1' });
    mkdirSync(join(dir, lockName('k')));
    writeFileSync(join(dir, lockName('k'), `${dead}-ff`), '');
    const unswept = await openCheckpointStore({ dir, sweepOnOpen: false, lockTimeoutMs: 1000 });
    await unswept.put('k', 1); // breaks the stale lock itself
    writeFileSync(join(dir, `.tmp-${dead}-aa`), 'partial');
    await openCheckpointStore({ dir });
    expect(readdirSync(dir)).toEqual(['k']);
  });
});
