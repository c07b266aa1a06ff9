import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipLayer, type LayerEntry, layerKey, layerTar, normalizeEntries } from './image-layer.js';

const entries: LayerEntry[] = [
  { type: 'hardlink', path: 'bin/a', target: 'bin/z' },
  { type: 'file', path: 'bin/z', mode: 0o755, content: Buffer.from('z') },
  { type: 'dir', path: 'tmp', mode: 0o1777 },
  { type: 'file', path: 'etc/x/y', mode: 0o644, content: Buffer.from('y') },
];

describe('layer tar', () => {
  it('orders entries by path, adds missing parents, and puts hard links last', () => {
    expect(normalizeEntries(entries).map((e) => e.path)).toEqual([
      'bin',
      'bin/z',
      'etc',
      'etc/x',
      'etc/x/y',
      'tmp',
      'bin/a',
    ]);
  });

  it('is byte-identical whatever order the entries come in', async () => {
    const a = await layerTar(entries);
    const b = await layerTar([...entries].reverse());
    expect(a.equals(b)).toBe(true);
    expect(layerKey(entries)).toBe(layerKey([...entries].reverse()));
  });

  it('changes key and bytes when a mode or content changes', async () => {
    const changed = entries.map((e) => (e.path === 'tmp' ? { ...e, mode: 0o755 } : e));
    expect(layerKey(changed)).not.toBe(layerKey(entries));
    expect((await layerTar(changed)).equals(await layerTar(entries))).toBe(false);
  });

  it('rejects unclean paths and links to missing files', () => {
    expect(() => normalizeEntries([{ type: 'dir', path: '../x', mode: 0o755 }])).toThrow(/clean/);
    expect(() => normalizeEntries([{ type: 'dir', path: '/x', mode: 0o755 }])).toThrow(/relative/);
    expect(() => normalizeEntries([{ type: 'hardlink', path: 'a', target: 'b' }])).toThrow(
      /target/,
    );
  });

  it('gzips with a fixed header (mtime 0, OS unix) and round-trips', async () => {
    const tar = await layerTar(entries);
    const gz = gzipLayer(tar);
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    expect(gzipLayer(tar).equals(gz)).toBe(true);
    expect(gunzipSync(gz).equals(tar)).toBe(true);
  });
});
