import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapstanError, type CriClient, createCriClient } from '@capstan/cri-api';
import {
  buildTestImages,
  type DockerShim,
  type NetworkedDockerd,
  type Registry,
  startDockerd,
  startDockerShim,
  startRegistry,
  type TestImages,
} from '@capstan/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Registry mirrors with containerd's certs.d/<host>/hosts.toml: registry A (loopback,
// plain HTTP) is the mirror of made-up upstream hosts that are never reached.

let registry: Registry;
let images: TestImages;
let dockerd: NetworkedDockerd;
let shim: DockerShim;
let cri: CriClient;
let certs: string;
/** A loopback port nobody listens on (in the node netns only the registry is bridged). */
const CLOSED = 'http://127.0.0.1:1';

function hostsToml(host: string, text: string): string {
  mkdirSync(join(certs, host), { recursive: true });
  const file = join(certs, host, 'hosts.toml');
  writeFileSync(file, text);
  return file;
}

async function failure(call: () => Promise<unknown>): Promise<CapstanError> {
  try {
    await call();
  } catch (err) {
    expect(err).toBeInstanceOf(CapstanError);
    return err as CapstanError;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  registry = await startRegistry();
  images = await buildTestImages(registry.host);
  certs = mkdtempSync(join(tmpdir(), 'capstan-certs-d-'));
  const mirror = `http://${registry.host}`;
  hostsToml(
    'upstream.invalid',
    `server = "https://upstream.invalid"\n\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  hostsToml(
    'fallback.invalid',
    [
      'server = "https://fallback.invalid"',
      `[host."${CLOSED}"]`,
      '  capabilities = ["pull", "resolve"]',
      `[host."${mirror}"]`,
      '  capabilities = ["pull", "resolve"]',
      '  skip_verify = true',
      '',
    ].join('\n'),
  );
  hostsToml(
    'dead.invalid',
    `server = "https://dead.invalid"\n[host."${CLOSED}"]\n  capabilities = ["pull", "resolve"]\n`,
  );
  dockerd = await startDockerd({
    network: { podCidr: '10.249.0.0/24', registryHost: registry.host },
  });
  shim = await startDockerShim({
    dockerd,
    podInfraImage: images.pause.ref,
    args: [`--registry-config-dir=${certs}`],
  });
  cri = createCriClient(shim.address, { deadlineMs: 120_000 });
});
afterAll(async () => {
  cri?.close();
  await shim?.stop();
  await dockerd?.stop();
  await registry?.stop();
  if (certs) rmSync(certs, { recursive: true, force: true });
});

describe('registry mirrors (certs.d hosts.toml)', () => {
  it('pulls upstream.invalid/... from the mirror, named as asked', async () => {
    const asked = 'upstream.invalid/capstan/busybox:1.36';
    const { imageRef } = await cri.image.pullImage({ image: { image: asked } });
    expect(imageRef).toBe(images.busybox.configDigest);
    const { image } = await cri.image.imageStatus({ image: { image: asked } });
    expect(image?.id).toBe(images.busybox.configDigest);
    expect(image?.repoTags).toContain(asked);
    expect(image?.repoDigests).toContain(
      `upstream.invalid/capstan/busybox@${images.busybox.digest}`,
    );
    // The mirror's name is not left behind.
    const mirrorRepo = `${registry.host}/capstan/busybox`;
    const { images: all } = await cri.image.listImages({});
    const refs = all.flatMap((i) => [...i.repoTags, ...i.repoDigests]);
    expect(refs.filter((r) => r.startsWith(`${mirrorRepo}:`))).toEqual([]);
    expect(refs.filter((r) => r.startsWith(`${mirrorRepo}@`))).toEqual([]);
    expect(refs).toContain(asked);
    // The recorded repo digest names the image too.
    const byDigest = await cri.image.imageStatus({
      image: { image: `upstream.invalid/capstan/busybox@${images.busybox.digest}` },
    });
    expect(byDigest.image?.id).toBe(images.busybox.configDigest);
  });

  it('skips a mirror on a closed port and falls back to the next one', async () => {
    const asked = 'fallback.invalid/capstan/httpd:1.0';
    const { imageRef } = await cri.image.pullImage({ image: { image: asked } });
    expect(imageRef).toBe(images.httpd.configDigest);
    const { image } = await cri.image.imageStatus({ image: { image: asked } });
    expect(image?.repoTags).toEqual([asked]);
    expect(image?.repoDigests).toEqual([`fallback.invalid/capstan/httpd@${images.httpd.digest}`]);
    // RemoveImage removes it with its recorded digest.
    await cri.image.removeImage({ image: { image: asked } });
    expect((await cri.image.imageStatus({ image: { image: asked } })).image).toBeUndefined();
    const gone = await cri.image.imageStatus({
      image: { image: `fallback.invalid/capstan/httpd@${images.httpd.digest}` },
    });
    expect(gone.image).toBeUndefined();
  });

  it('pulls by digest through the mirror', async () => {
    const asked = `fallback.invalid/capstan/pause@${images.pause.digest}`;
    const { imageRef } = await cri.image.pullImage({ image: { image: asked } });
    expect(imageRef).toBe(images.pause.configDigest);
    const { image } = await cri.image.imageStatus({ image: { image: asked } });
    expect(image?.repoDigests).toContain(asked);
  });

  it('when every endpoint fails, the error names each one', async () => {
    const err = await failure(() =>
      cri.image.pullImage({ image: { image: 'dead.invalid/capstan/busybox:1.36' } }),
    );
    expect(err.message).toContain(CLOSED);
    expect(err.message).toContain('https://dead.invalid');
    expect(err.message).toContain(join(certs, 'dead.invalid', 'hosts.toml'));
  });

  it('a malformed hosts.toml is FAILED_PRECONDITION naming the file', async () => {
    const file = hostsToml('broken.invalid', '[host."http://127.0.0.1:2"\ncapabilities = pull\n');
    const err = await failure(() =>
      cri.image.pullImage({ image: { image: 'broken.invalid/capstan/busybox:1.36' } }),
    );
    expect(err.kind).toBe('failed-precondition');
    expect(err.message).toContain(file);
  });

  it('a host without hosts.toml is pulled as before', async () => {
    const { imageRef } = await cri.image.pullImage({ image: { image: images.busyboxLatest.ref } });
    expect(imageRef).toBe(images.busybox.configDigest);
    const { image } = await cri.image.imageStatus({ image: { image: images.busyboxLatest.ref } });
    expect(image?.repoTags).toContain(images.busyboxLatest.ref);
    expect(image?.repoDigests).toContain(`${images.busybox.repo}@${images.busybox.digest}`);
  });
});
