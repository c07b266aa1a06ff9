import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isValidKey, MAX_KEY_BYTES } from './checkpoint-key.js';
import { openCheckpointStore } from './checkpoint-store.js';

const root = mkdtempSync(join(tmpdir(), 'capstan-checkpoint-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Valid keys from all of Unicode, up to the byte limit, plus plain ASCII ones. */
const validKey = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 62, size: 'max' }), // <= 248 bytes
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    fc.stringMatching(/^[a-z0-9][a-z0-9._:-]{0,249}$/, { size: 'max' }),
  )
  .filter(isValidKey);

describe('property: store round trips', () => {
  it('any JSON value reads back as JSON would give it back', async () => {
    const store = await openCheckpointStore({ dir: join(root, `json${n++}`) });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        await store.put('value', value);
        expect(await store.get('value')).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('any set of valid keys: each reads back, list() has exactly them, the files are exactly them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(validKey, { minLength: 1, maxLength: 6 }), async (keys) => {
        const store = await openCheckpointStore<string>({ dir: join(root, `keys${n++}`) });
        for (const key of keys) {
          expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_KEY_BYTES);
          await store.put(key, key);
        }
        for (const key of keys) expect(await store.get(key)).toBe(key);
        const sorted = [...keys].sort();
        expect(await store.list()).toEqual({ keys: sorted, corrupt: [] });
        expect(readdirSync(store.dir).sort()).toEqual(sorted);
        for (const key of keys) expect(await store.remove(key)).toBe(true);
        expect(readdirSync(store.dir)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
