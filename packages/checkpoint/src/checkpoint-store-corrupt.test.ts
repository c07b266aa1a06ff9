import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointCodec } from './checkpoint-codec.js';
import { encodeEnvelope } from './checkpoint-envelope.js';
import {
  CorruptCheckpointError,
  type CorruptReason,
  isCorruptCheckpoint,
} from './checkpoint-errors.js';
import { openCheckpointStore } from './checkpoint-store.js';

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-corrupt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `s${n++}`);

const value = { podUid: '7f3a', containers: ['app', 'sidecar'], restarts: 3 };

/** What each kind of damage does to the file under `key` in `dir`. */
const damages: [string, CorruptReason, (path: string) => void][] = [
  ['a flipped payload byte', 'checksum-mismatch', (p) => flip(p, -5)],
  [
    'a flipped header byte (schema version 1 -> 3)',
    'checksum-mismatch',
    (p) => flip(p, 'capstan-checkpoint/1 json '.length, 0x02),
  ],
  [
    'a flipped checksum digit',
    'checksum-mismatch',
    (p) => flip(p, 'capstan-checkpoint/1 json 1 '.length + 12, 0x01),
  ],
  ['truncation in the payload', 'truncated', (p) => truncateSync(p, readFileSync(p).length - 7)],
  ['truncation in the header', 'truncated', (p) => truncateSync(p, 30)],
  [
    'bytes appended',
    'length-mismatch',
    (p) => writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.from(' ')])),
  ],
  ['an empty file', 'empty', (p) => writeFileSync(p, '')],
  [
    'a foreign JSON file',
    'not-a-checkpoint',
    (p) => writeFileSync(p, JSON.stringify({ version: 'v1', data: value })),
  ],
  [
    'a foreign binary file',
    'not-a-checkpoint',
    (p) => writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
  ],
  [
    'a future envelope format',
    'unsupported-format',
    (p) => writeFileSync(p, 'capstan-checkpoint/2 json 1 2 sha256:00\n{}'),
  ],
  ['a directory', 'not-a-file', (p) => rmAndMkdir(p)],
  ['a symbolic link', 'not-a-file', (p) => rmAnd(p, () => symlinkSync('/etc/hostname', p))],
  ['a FIFO (must not hang)', 'not-a-file', (p) => rmAnd(p, () => execFileSync('mkfifo', [p]))],
];

function flip(path: string, at: number, mask = 0x20) {
  const bytes = readFileSync(path);
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = (bytes[i] ?? 0) ^ mask;
  writeFileSync(path, bytes);
}
function rmAnd(path: string, make: () => void) {
  rmSync(path);
  make();
}
function rmAndMkdir(path: string) {
  rmAnd(path, () => mkdirSync(path));
}

describe('corrupt files', () => {
  it.each(damages)(
    '%s is a CorruptCheckpointError (%s) naming key and path',
    async (_, reason, damage) => {
      const store = await openCheckpointStore({ dir: freshDir() });
      await store.put('good-1', value);
      await store.put('bad', value);
      await store.put('good-2', value);
      const path = join(store.dir, 'bad');
      damage(path);

      const err = await store.get('bad').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptCheckpointError);
      expect(isCorruptCheckpoint(err)).toBe(true);
      expect(err).toMatchObject({ key: 'bad', path, reason });
      expect((err as Error).message).toContain(path);

      // The listing goes on: good keys listed, the bad one reported beside them.
      const listing = await store.list();
      expect(listing.keys).toEqual(['good-1', 'good-2']);
      expect(listing.corrupt.map((e) => [e.key, e.path, e.reason])).toEqual([
        ['bad', path, reason],
      ]);

      // update refuses to build on it; nothing is called, nothing written.
      let called = false;
      const fn = () => {
        called = true;
        return value;
      };
      await expect(store.update('bad', fn)).rejects.toBeInstanceOf(CorruptCheckpointError);
      expect(called).toBe(false);

      // put replaces a corrupt file (not a directory); remove deletes it.
      if (reason !== 'not-a-file') {
        await store.put('bad', { fixed: true });
        expect(await store.get('bad')).toEqual({ fixed: true });
        expect(await store.remove('bad')).toBe(true);
      }
    },
  );
});

describe('schema versions and codecs', () => {
  it('a file of a newer schema version is corrupt (future-version)', async () => {
    const dir = freshDir();
    await (await openCheckpointStore({ dir, version: 3 })).put('k', value);
    const v2 = await openCheckpointStore({ dir, version: 2, migrate: (v) => v });
    await expect(v2.get('k')).rejects.toMatchObject({
      name: 'CorruptCheckpointError',
      reason: 'future-version',
      key: 'k',
    });
    expect((await v2.list()).corrupt.map((e) => e.reason)).toEqual(['future-version']);
  });

  it('a file of an older version goes through migrate, and is rewritten only by the next write', async () => {
    const dir = freshDir();
    await (await openCheckpointStore({ dir, version: 1 })).put('k', { name: 'pod' });
    const before = readFileSync(join(dir, 'k'));
    const calls: [unknown, number][] = [];
    const v2 = await openCheckpointStore<{ name: string; ns: string }>({
      dir,
      version: 2,
      migrate: (old, from) => {
        calls.push([old, from]);
        return { ...(old as { name: string }), ns: 'default' };
      },
    });
    expect(await v2.get('k')).toEqual({ name: 'pod', ns: 'default' });
    expect(calls).toEqual([[{ name: 'pod' }, 1]]);
    expect(readFileSync(join(dir, 'k'))).toEqual(before);
    await v2.update('k', (v) => ({ ...v!, ns: 'kube-system' }));
    expect(readFileSync(join(dir, 'k'), 'latin1')).toMatch(/^capstan-checkpoint\/1 json 2 /);
    expect(await v2.get('k')).toEqual({ name: 'pod', ns: 'kube-system' });
    expect(calls).toHaveLength(2); // the get, and update's read; not the get after it
  });

  it('an older version without migrate is corrupt (no-migration); a throwing migrate is migration-failed', async () => {
    const dir = freshDir();
    await (await openCheckpointStore({ dir })).put('k', value);
    const noHook = await openCheckpointStore({ dir, version: 2 });
    await expect(noHook.get('k')).rejects.toMatchObject({ reason: 'no-migration' });
    const boom = new Error('boom');
    const failing = await openCheckpointStore({
      dir,
      version: 2,
      migrate: () => Promise.reject(boom),
    });
    await expect(failing.get('k')).rejects.toMatchObject({
      reason: 'migration-failed',
      cause: boom,
    });
    expect((await failing.list()).corrupt.map((e) => e.reason)).toEqual(['migration-failed']);
  });

  it('a file written by another codec is codec-mismatch; a payload the codec rejects is undecodable', async () => {
    const dir = freshDir();
    const text: CheckpointCodec<string> = {
      name: 'text',
      encode: (v) => Buffer.from(v),
      decode: (b) => Buffer.from(b).toString(),
    };
    await (await openCheckpointStore({ dir, codec: text })).put('k', 'not json');
    const json = await openCheckpointStore({ dir });
    await expect(json.get('k')).rejects.toMatchObject({ reason: 'codec-mismatch' });
    writeFileSync(join(dir, 'k'), encodeEnvelope('json', 1, Buffer.from('{"cut')));
    const err = await json.get('k').catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'undecodable', key: 'k' });
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });
});
