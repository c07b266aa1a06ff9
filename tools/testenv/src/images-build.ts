import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildLayer, type Layer, type LayerEntry } from './image-layer.js';
import { type ImageRuntimeConfig, imageConfig, imageManifest } from './image-oci.js';
import { compilePause } from './image-pause.js';
import { type Log, noLog } from './log.js';
import { pushBlob, pushManifest } from './registry-push.js';

const run = promisify(execFile);

/** One pushed test image. */
export interface TestImage {
  /** `<host>/capstan/<name>:<tag>` */
  ref: string;
  /** `<host>/capstan/<name>` */
  repo: string;
  tag: string;
  /** Manifest digest (`sha256:...`): `repo@digest` is the image's repo digest. */
  digest: string;
  /** Config digest: the image ID containerd's CRI and dockerd report. */
  configDigest: string;
}

/** The images every runtime test can pull from the private registry. */
export interface TestImages {
  /** Only /pause (images/pause.c, static). Entrypoint ["/pause"]. */
  pause: TestImage;
  /** Debian's static busybox with every applet hard-linked in /bin. Cmd ["sh"]. */
  busybox: TestImage;
  /** The same image as `busybox`, tagged `latest`. */
  busyboxLatest: TestImage;
  /** busybox plus /www/index.html; serves it with `httpd -f -p 8080 -h /www`. */
  httpd: TestImage;
}

export interface BuildTestImagesOptions {
  /** Cache for the pause binary and built layers; default `<tmpdir>/capstan-testenv-cache`. */
  workDir?: string;
  log?: Log;
}

const BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const HTTPD_INDEX = 'capstan httpd ok\n';

async function busyboxEntries(): Promise<LayerEntry[]> {
  const { stdout } = await run(BUSYBOX, ['--list']);
  const applets = [...new Set(stdout.split('\n').filter((a) => /^[\w.[\]-]+$/.test(a)))].filter(
    (a) => a !== 'busybox',
  );
  const text = (path: string, content: string, mode = 0o644): LayerEntry => ({
    type: 'file',
    path,
    mode,
    content: Buffer.from(content),
  });
  const dirs = ['bin', 'dev', 'etc', 'proc', 'sbin', 'sys', 'usr', 'usr/bin', 'usr/sbin', 'var'];
  return [
    ...dirs.map((path): LayerEntry => ({ type: 'dir', path, mode: 0o755 })),
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', mode: 0o755, content: readFileSync(BUSYBOX) },
    ...applets.map(
      (a): LayerEntry => ({ type: 'hardlink', path: `bin/${a}`, target: 'bin/busybox' }),
    ),
    text(
      'etc/passwd',
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    ),
    text('etc/group', 'root:x:0:\nnobody:x:65534:\n'),
    text(
      'etc/os-release',
      'NAME="Capstan busybox"\nID=capstan-busybox\nVERSION_ID=1.36\n' +
        'PRETTY_NAME="Capstan busybox test image (Debian busybox-static)"\n',
    ),
  ];
}

interface ImageParts {
  repoName: string;
  tags: string[];
  layers: { layer: Layer; createdBy: string }[];
  config: ImageRuntimeConfig;
}

async function pushImage(host: string, img: ImageParts, log: Log): Promise<TestImage[]> {
  const config = imageConfig(img.layers, img.config);
  const manifest = imageManifest(
    config,
    img.layers.map((l) => l.layer),
  );
  for (const { layer } of img.layers) {
    const how = await pushBlob(host, img.repoName, layer.digest, layer.blob);
    log(`${img.repoName}: layer ${layer.digest.slice(0, 19)} ${how} (${layer.size} bytes)`);
  }
  await pushBlob(host, img.repoName, config.digest, config.bytes);
  const out: TestImage[] = [];
  for (const tag of img.tags) {
    await pushManifest(host, img.repoName, tag, manifest);
    const repo = `${host}/${img.repoName}`;
    out.push({
      ref: `${repo}:${tag}`,
      repo,
      tag,
      digest: manifest.digest,
      configDigest: config.digest,
    });
  }
  return out;
}

/**
 * Builds the test images from Debian binaries without docker (tar-stream layers, OCI
 * config and manifest written here) and pushes them to the registry at `registryHost`.
 * Deterministic: the same inputs give the same digests. Layers and the compiled pause
 * binary are cached in `workDir`, so a second call only re-checks the registry.
 */
export async function buildTestImages(
  registryHost: string,
  opts: BuildTestImagesOptions = {},
): Promise<TestImages> {
  const log = opts.log ?? noLog;
  const workDir = opts.workDir ?? join(tmpdir(), 'capstan-testenv-cache');
  const pauseBinary = await compilePause(workDir);
  const pauseLayer = await buildLayer(
    [{ type: 'file', path: 'pause', mode: 0o755, content: pauseBinary }],
    workDir,
  );
  const busyboxLayer = await buildLayer(await busyboxEntries(), workDir);
  const wwwLayer = await buildLayer(
    [
      { type: 'dir', path: 'www', mode: 0o755 },
      { type: 'file', path: 'www/index.html', mode: 0o644, content: Buffer.from(HTTPD_INDEX) },
    ],
    workDir,
  );
  const busyboxCreated = { layer: busyboxLayer, createdBy: 'capstan testenv: busybox-static' };
  const [pause] = await pushImage(
    registryHost,
    {
      repoName: 'capstan/pause',
      tags: ['3.9'],
      layers: [{ layer: pauseLayer, createdBy: 'capstan testenv: images/pause.c' }],
      config: { entrypoint: ['/pause'], env: [PATH_ENV], workingDir: '/' },
    },
    log,
  );
  const [busybox, busyboxLatest] = await pushImage(
    registryHost,
    {
      repoName: 'capstan/busybox',
      tags: ['1.36', 'latest'],
      layers: [busyboxCreated],
      config: { cmd: ['sh'], env: [PATH_ENV], workingDir: '/' },
    },
    log,
  );
  const [httpd] = await pushImage(
    registryHost,
    {
      repoName: 'capstan/httpd',
      tags: ['1.0'],
      layers: [busyboxCreated, { layer: wwwLayer, createdBy: 'capstan testenv: /www/index.html' }],
      config: {
        cmd: ['httpd', '-f', '-p', '8080', '-h', '/www'],
        env: [PATH_ENV],
        workingDir: '/',
        exposedPorts: ['8080/tcp'],
      },
    },
    log,
  );
  if (
    pause === undefined ||
    busybox === undefined ||
    busyboxLatest === undefined ||
    httpd === undefined
  ) {
    throw new Error('internal: an image was not pushed');
  }
  return { pause, busybox, busyboxLatest, httpd };
}
