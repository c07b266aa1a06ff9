import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImages, type Registry, startRegistry, type TestImages } from '../src/index.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Manifest {
  schemaVersion: number;
  mediaType: string;
  config: { digest: string; size: number; mediaType: string };
  layers: { digest: string; size: number; mediaType: string }[];
}

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  linkname: string | null | undefined;
  data: Buffer;
}

async function untar(tar: Buffer): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({
          name: header.name,
          type: header.type ?? '',
          mode: header.mode ?? 0,
          linkname: header.linkname,
          data: Buffer.concat(chunks),
        });
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(tar);
  await done;
  return out;
}

describe('buildTestImages', () => {
  let registry: Registry;
  let workDir: string;
  let images: TestImages;
  const get = async (path: string, accept?: string): Promise<Response> => {
    const res = await fetch(`http://${registry.host}/v2/${path}`, {
      headers: accept === undefined ? {} : { accept },
    });
    expect(res.status, `GET ${path}`).toBe(200);
    return res;
  };
  const manifestOf = async (
    repo: string,
    ref: string,
  ): Promise<{ bytes: Buffer; res: Response }> => {
    const res = await get(`${repo}/manifests/${ref}`, OCI_MANIFEST);
    return { bytes: Buffer.from(await res.arrayBuffer()), res };
  };
  const blob = async (repo: string, digest: string): Promise<Buffer> =>
    Buffer.from(await (await get(`${repo}/blobs/${digest}`)).arrayBuffer());

  beforeAll(async () => {
    // A registry of our own: the global one already holds these images.
    registry = await startRegistry();
    workDir = mkdtempSync(join(tmpdir(), 'capstan-images-test-'));
    images = await buildTestImages(registry.host, { workDir });
  });
  afterAll(async () => {
    await registry?.stop();
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('returns refs and digests for the four tags', () => {
    const h = registry.host;
    expect(images.pause).toMatchObject({
      ref: `${h}/capstan/pause:3.9`,
      repo: `${h}/capstan/pause`,
      tag: '3.9',
    });
    expect(images.busybox.ref).toBe(`${h}/capstan/busybox:1.36`);
    expect(images.busyboxLatest.ref).toBe(`${h}/capstan/busybox:latest`);
    expect(images.httpd.ref).toBe(`${h}/capstan/httpd:1.0`);
    expect(images.busyboxLatest.digest).toBe(images.busybox.digest);
    for (const img of Object.values(images)) {
      expect(img.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(img.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(new Set([images.pause.digest, images.busybox.digest, images.httpd.digest]).size).toBe(3);
  });

  it('pushed OCI manifests whose digest is the returned one, with matching config blobs', async () => {
    for (const img of Object.values(images)) {
      const name = img.repo.slice(registry.host.length + 1);
      const { bytes, res } = await manifestOf(name, img.tag);
      expect(res.headers.get('content-type')).toBe(OCI_MANIFEST);
      expect(res.headers.get('docker-content-digest')).toBe(img.digest);
      expect(sha(bytes)).toBe(img.digest);
      const manifest = JSON.parse(bytes.toString()) as Manifest;
      expect(manifest.mediaType).toBe(OCI_MANIFEST);
      expect(manifest.config.digest).toBe(img.configDigest);
      const config = JSON.parse((await blob(name, img.configDigest)).toString()) as {
        architecture: string;
        os: string;
        rootfs: { diff_ids: string[] };
      };
      expect(config).toMatchObject({ architecture: 'amd64', os: 'linux' });
      expect(config.rootfs.diff_ids).toHaveLength(manifest.layers.length);
      for (const [i, layer] of manifest.layers.entries()) {
        const gz = await blob(name, layer.digest);
        expect(gz.length).toBe(layer.size);
        expect(sha(gunzipSync(gz))).toBe(config.rootfs.diff_ids[i]);
      }
    }
  });

  it('gives each image the runtime config the brief asks for', async () => {
    const configOf = async (img: TestImages['pause']) =>
      (
        JSON.parse(
          (await blob(img.repo.slice(registry.host.length + 1), img.configDigest)).toString(),
        ) as { config: Record<string, unknown> }
      ).config;
    expect(await configOf(images.pause)).toMatchObject({ Entrypoint: ['/pause'] });
    expect(await configOf(images.busybox)).toMatchObject({
      Cmd: ['sh'],
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      WorkingDir: '/',
    });
    expect(await configOf(images.httpd)).toMatchObject({
      Cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
    });
  });

  it('builds busybox with hard-linked applets, users, /tmp 1777 and os-release', async () => {
    const { bytes } = await manifestOf('capstan/busybox', '1.36');
    const [layer] = (JSON.parse(bytes.toString()) as Manifest).layers;
    const entries = await untar(gunzipSync(await blob('capstan/busybox', layer?.digest ?? '')));
    const byName = new Map(entries.map((e) => [e.name, e]));
    const busybox = byName.get('bin/busybox');
    expect(busybox?.type).toBe('file');
    expect(busybox?.mode).toBe(0o755);
    const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((a) => a !== 'busybox');
    expect(applets.length).toBeGreaterThan(100);
    for (const applet of applets) {
      const e = byName.get(`bin/${applet}`);
      expect(e?.type, applet).toBe('link');
      expect(e?.linkname, applet).toBe('bin/busybox');
      expect(e?.mode, applet).toBe(0o755);
    }
    const names = entries.map((e) => e.name);
    expect(names.indexOf('bin/busybox')).toBeLessThan(names.indexOf('bin/sh'));
    expect(names.indexOf('bin/busybox')).toBeLessThan(names.indexOf('bin/['));
    expect(byName.get('tmp/')?.mode).toBe(0o1777);
    expect(byName.get('tmp/')?.type).toBe('directory');
    expect(byName.get('etc/passwd')?.data.toString()).toMatch(/^root:x:0:0:.*\nnobody:x:65534:/);
    expect(byName.get('etc/group')?.data.toString()).toMatch(/^root:x:0:\nnobody:x:65534:/);
    expect(byName.get('etc/os-release')?.data.toString()).toContain('ID=capstan-busybox');
  });

  it('builds pause as a lone static /pause that runs', async () => {
    const { bytes } = await manifestOf('capstan/pause', '3.9');
    const layers = (JSON.parse(bytes.toString()) as Manifest).layers;
    expect(layers).toHaveLength(1);
    const entries = await untar(gunzipSync(await blob('capstan/pause', layers[0]?.digest ?? '')));
    expect(entries.map((e) => [e.name, e.type, e.mode])).toEqual([['pause', 'file', 0o755]]);
    const bin = entries[0]?.data ?? Buffer.alloc(0);
    expect(bin.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    const path = join(workDir, 'pause-extracted');
    writeFileSync(path, bin);
    chmodSync(path, 0o755);
    expect(execFileSync(path, ['-v'], { encoding: 'utf8' })).toBe('capstan-pause 1.0\n');
    // Static: no PT_INTERP program header (a dynamic binary names ld-linux there).
    const phoff = Number(bin.readBigUInt64LE(0x20));
    const phentsize = bin.readUInt16LE(0x36);
    const types = Array.from({ length: bin.readUInt16LE(0x38) }, (_v, i) =>
      bin.readUInt32LE(phoff + i * phentsize),
    );
    expect(types.length).toBeGreaterThan(0);
    expect(types).not.toContain(3);
  });

  it('builds httpd as busybox plus a /www layer', async () => {
    const { bytes } = await manifestOf('capstan/httpd', '1.0');
    const layers = (JSON.parse(bytes.toString()) as Manifest).layers;
    const bb = (
      JSON.parse((await manifestOf('capstan/busybox', '1.36')).bytes.toString()) as Manifest
    ).layers;
    expect(layers).toHaveLength(2);
    expect(layers[0]?.digest).toBe(bb[0]?.digest);
    const entries = await untar(gunzipSync(await blob('capstan/httpd', layers[1]?.digest ?? '')));
    const index = entries.find((e) => e.name === 'www/index.html');
    expect(index?.data.toString()).toBe('capstan httpd ok\n');
  });

  it('is deterministic: a cached rebuild and a rebuild from scratch give the same digests', async () => {
    const again = await buildTestImages(registry.host, { workDir });
    expect(again).toEqual(images);
    const fresh = mkdtempSync(join(tmpdir(), 'capstan-images-test-'));
    try {
      const scratch = await buildTestImages(registry.host, { workDir: fresh });
      expect(scratch).toEqual(images);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
