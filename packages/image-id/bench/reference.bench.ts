// Micro-benchmark: reference parse + normalize, digest parse, image lookup, manifest parse.
// Run with `pnpm --filter @capstan/image-id bench`; not part of `vitest run`. Each task
// handles a batch of inputs per iteration (single calls are below timer resolution), and
// ops/s counts single calls: batch size × 1000 / mean batch latency in ms.

import { Bench } from 'tinybench';
import {
  digestOf,
  findImage,
  type ImageRecord,
  normalizeReference,
  parseDigest,
  parseDockerRef,
  parseManifest,
  parseReference,
  selectManifest,
} from '../src/index.js';
import { ociIndex } from '../test/fixtures/manifests.js';

const D = digestOf('bench');
const refs = [
  'busybox',
  'busybox:1.36',
  'library/ubuntu:22.04',
  'docker.io/library/redis:7-alpine',
  'quay.io/coreos/etcd:v3.5.9',
  'registry.k8s.io/pause:3.9',
  `localhost:5000/team/app@${D}`,
  `gcr.io/distroless/static-debian12:nonroot@${D}`,
  '[::1]:5000/a/b/c:tag',
  'ghcr.io/owner/some-long-repository-name/with/nested/paths:v1.2.3-rc.1',
];
const batch = Array.from({ length: 10 }, () => refs).flat(); // 100 inputs
const digests = batch.map((_, i) => digestOf(String(i)));
const images: ImageRecord[] = Array.from({ length: 100 }, (_, i) => ({
  id: digestOf(`config-${i}`),
  repoTags: [`docker.io/library/image${i}:latest`, `registry.example.com/team/image${i}:v${i}`],
  repoDigests: [`docker.io/library/image${i}@${digestOf(`manifest-${i}`)}`],
}));
const lookups = [
  'image42',
  `registry.example.com/team/image99:v99`,
  digestOf('config-7').slice(7, 19),
  `image3@${digestOf('manifest-3')}`,
];
const indexJson = JSON.stringify(ociIndex);
const index = parseManifest(indexJson);
if (index.kind !== 'index') throw new Error('fixture is an index');
const arm64 = { os: 'linux', architecture: 'arm64' };

let sink = 0;
const tasks: [string, number, () => void][] = [
  [
    'parseReference (as written)',
    batch.length,
    () => {
      for (const s of batch) sink += parseReference(s).name.length;
    },
  ],
  [
    'parseDockerRef (normalize)',
    batch.length,
    () => {
      for (const s of batch) sink += parseDockerRef(s).name.length;
    },
  ],
  [
    'normalizeReference (to string)',
    batch.length,
    () => {
      for (const s of batch) sink += normalizeReference(s).length;
    },
  ],
  [
    'parseDigest',
    digests.length,
    () => {
      for (const d of digests) sink += parseDigest(d).hex.length;
    },
  ],
  [
    'findImage (100 images)',
    lookups.length,
    () => {
      for (const r of lookups) sink += findImage(images, r) ? 1 : 0;
    },
  ],
  [
    'parseManifest (7-entry index)',
    1,
    () => {
      sink += parseManifest(indexJson).schemaVersion;
    },
  ],
  [
    'selectManifest (linux/arm64)',
    1,
    () => {
      sink += selectManifest(index, arm64).size;
    },
  ],
];

const bench = new Bench({ time: 1000, warmupTime: 200 });
for (const [name, , fn] of tasks) bench.add(name, fn);
await bench.run();

const rows = bench.tasks.map((task, i) => {
  const r = task.result;
  const per = tasks[i]?.[1] ?? 1;
  if (r.state !== 'completed') return `${task.name.padEnd(34)} ${r.state}`;
  const ops = (per * 1000) / r.latency.mean;
  const rme = (r.latency.moe / r.latency.mean) * 100;
  return `${task.name.padEnd(34)} ${Math.round(ops).toLocaleString('en-US').padStart(13)} ops/s  ±${rme.toFixed(2)}%`;
});
process.stdout.write(
  `@capstan/image-id micro-benchmark (Node ${process.version}, ${process.arch})\n` +
    `${'task'.padEnd(34)} ${'single calls'.padStart(13)}\n${rows.join('\n')}\n`,
);
if (sink === 0) process.exitCode = 1; // keep the work observable
