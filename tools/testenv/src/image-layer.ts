import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** One entry of a layer; paths are relative to the image root, without a leading `/`. */
export type LayerEntry =
  | { type: 'dir'; path: string; mode: number }
  | { type: 'file'; path: string; mode: number; content: Buffer }
  /** A hard link (tar typeflag `1`) to another entry of the same layer. */
  | { type: 'hardlink'; path: string; target: string };

/** A built layer: the gzipped tar and both digests an OCI image needs. */
export interface Layer {
  /** sha256 of the compressed blob: the manifest's layer digest. */
  digest: string;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
  size: number;
  blob: Buffer;
}

/** Every entry is dated this, so a layer's digest depends on its content only. */
export const LAYER_MTIME = new Date('2000-01-01T00:00:00Z');

export const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_p, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Orders entries deterministically: missing parent dirs are added (0755), dirs and
 * files are sorted by path, and hard links come last so that every link's target is
 * already extracted when the link is made.
 */
export function normalizeEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const e of entries) {
    if (e.path.startsWith('/') || e.path.split('/').some((p) => p === '' || p === '..')) {
      throw new Error(`layer entry path must be relative and clean: ${JSON.stringify(e.path)}`);
    }
    if (byPath.has(e.path)) throw new Error(`duplicate layer entry ${e.path}`);
    byPath.set(e.path, e);
  }
  for (const e of entries) {
    for (const dir of parents(e.path)) {
      if (!byPath.has(dir)) byPath.set(dir, { type: 'dir', path: dir, mode: 0o755 });
    }
    if (e.type === 'hardlink' && byPath.get(e.target)?.type !== 'file') {
      throw new Error(`hard link ${e.path} -> ${e.target}: target is not a file in this layer`);
    }
  }
  const cmp = (a: LayerEntry, b: LayerEntry): number =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  const all = [...byPath.values()];
  return [
    ...all.filter((e) => e.type !== 'hardlink').sort(cmp),
    ...all.filter((e) => e.type === 'hardlink').sort(cmp),
  ];
}

/** The uncompressed tar of a layer, byte-for-byte the same for the same entries. */
export async function layerTar(entries: readonly LayerEntry[]): Promise<Buffer> {
  const p = pack();
  const common = { mtime: LAYER_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  const sorted = normalizeEntries(entries);
  const modes = new Map(sorted.map((e) => [e.path, e.type === 'hardlink' ? 0 : e.mode]));
  for (const e of sorted) {
    if (e.type === 'dir') {
      p.entry({ ...common, name: `${e.path}/`, type: 'directory', mode: e.mode });
    } else if (e.type === 'file') {
      p.entry(
        { ...common, name: e.path, type: 'file', mode: e.mode, size: e.content.length },
        e.content,
      );
    } else {
      // Unpackers chmod the link path to the header mode, and a hard link shares its
      // target's inode: the header must carry the target's mode.
      const mode = modes.get(e.target) ?? 0o755;
      p.entry({ ...common, name: e.path, type: 'link', linkname: e.target, mode, size: 0 });
    }
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * gzip with a fixed header: zlib writes mtime 0, no file name and OS 3 (Unix), so the
 * same tar gives the same blob for a given zlib build.
 */
export function gzipLayer(tar: Buffer): Buffer {
  return gzipSync(tar, { level: 9, memLevel: 9, strategy: 0 });
}

/** A key for the layer's content: paths, types, modes, link targets and content hashes. */
export function layerKey(entries: readonly LayerEntry[]): string {
  const desc = normalizeEntries(entries).map((e) =>
    e.type === 'file'
      ? [e.type, e.path, e.mode, sha256(e.content)]
      : e.type === 'dir'
        ? [e.type, e.path, e.mode]
        : [e.type, e.path, e.target],
  );
  return sha256(JSON.stringify(['capstan-layer-v1', LAYER_MTIME.toISOString(), desc])).slice(7);
}

/**
 * Builds a layer, reusing `<cacheDir>/layers/<key>.tar.gz` when an earlier build of the
 * same content left one there. Cache writes are atomic (temp file + rename).
 */
export async function buildLayer(
  entries: readonly LayerEntry[],
  cacheDir?: string,
): Promise<Layer> {
  const key = layerKey(entries);
  const dir = cacheDir === undefined ? undefined : join(cacheDir, 'layers');
  if (dir !== undefined) {
    try {
      const blob = readFileSync(join(dir, `${key}.tar.gz`));
      const meta = JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as {
        digest: string;
        diffId: string;
      };
      if (sha256(blob) === meta.digest) {
        return { digest: meta.digest, diffId: meta.diffId, size: blob.length, blob };
      }
    } catch {
      // Not cached yet (or a torn cache entry): build it.
    }
  }
  const tar = await layerTar(entries);
  const blob = gzipLayer(tar);
  const layer: Layer = { digest: sha256(blob), diffId: sha256(tar), size: blob.length, blob };
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    const tmp = `.${process.pid}-${Date.now()}`;
    writeFileSync(join(dir, `${key}.tar.gz${tmp}`), blob);
    renameSync(join(dir, `${key}.tar.gz${tmp}`), join(dir, `${key}.tar.gz`));
    writeFileSync(
      join(dir, `${key}.json${tmp}`),
      JSON.stringify({ digest: layer.digest, diffId: layer.diffId }),
    );
    renameSync(join(dir, `${key}.json${tmp}`), join(dir, `${key}.json`));
  }
  return layer;
}
