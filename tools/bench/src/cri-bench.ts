// Starts the runtimes under test as private instances (today: containerd, the reference,
// with a pod network inside its own network namespace) and runs capstan-cri-bench's
// benchmark over them, interleaved. Usage: bash tools/bench-cri.sh [rounds] [density]
import { benchMarkdown, runBenchmark } from '@capstan/cri-conformance';
import { buildTestImages, startContainerd, startRegistry } from '@capstan/testenv';

const rounds = Number(process.argv[2] ?? 20);
const density = Number(process.argv[3] ?? 100);
const registry = await startRegistry();
try {
  const images = await buildTestImages(registry.host);
  const containerd = await startContainerd({
    registryHost: registry.host,
    sandboxImage: images.pause.ref,
    network: { podCidr: '10.244.0.0/16' },
  });
  try {
    const report = await runBenchmark({
      endpoints: [{ name: 'containerd', endpoint: containerd.address }],
      image: images.busybox.ref,
      rounds,
      density,
      onProgress: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(`${benchMarkdown(report)}\n`);
  } finally {
    await containerd.stop();
  }
} finally {
  await registry.stop();
}
