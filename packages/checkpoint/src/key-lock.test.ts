import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { lockName, withKeyLock } from './key-lock.js';
import { formatIdentity, selfIdentity } from './process-identity.js';

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const options = { timeoutMs: 5000, logger: undefined };

describe('key lock', () => {
  it('names the lock after a hash of the key, short enough for any key', () => {
    expect(lockName('x'.repeat(250))).toMatch(/^\.lock-[0-9a-f]{64}$/);
    expect(lockName('a')).not.toBe(lockName('b'));
  });

  it('admits one holder at a time among racers that bypass the in-process queue, over a stale lock', async () => {
    const dir = join(root, 'race');
    mkdirSync(join(dir, lockName('k')), { recursive: true });
    const dead = formatIdentity({ ...selfIdentity(), start: '1' });
    writeFileSync(join(dir, lockName('k'), `${dead}-00`), '');
    const warned: unknown[] = [];
    const logger = { warn: (fields: Record<string, unknown>) => void warned.push(fields) };
    // Different spellings of one directory get different in-process queues, so these race
    // on the file system lock alone, the way separate processes do.
    const spellings = [dir, `${dir}/`, `${dir}/.`, `${dir}//`, join(dir, '..', 'race')];
    let inside = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      spellings.flatMap((d) =>
        Array.from({ length: 8 }, () =>
          withKeyLock(d, 'k', { timeoutMs: 10_000, logger }, async () => {
            most = Math.max(most, ++inside);
            await sleep(1);
            inside--;
            done++;
          }),
        ),
      ),
    );
    expect(most).toBe(1);
    expect(done).toBe(40);
    expect(warned).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('treats an owner file it cannot parse as stale', async () => {
    const dir = join(root, 'garbage');
    mkdirSync(join(dir, lockName('k')), { recursive: true });
    writeFileSync(join(dir, lockName('k'), 'garbage'), '');
    expect(await withKeyLock(dir, 'k', options, async () => 'ran')).toBe('ran');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('releases the lock when fn throws', async () => {
    const dir = join(root, 'throws');
    mkdirSync(dir);
    await expect(
      withKeyLock(dir, 'k', options, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    expect(readdirSync(dir)).toEqual([]);
    expect(await withKeyLock(dir, 'k', options, async () => 1)).toBe(1);
  });
});
