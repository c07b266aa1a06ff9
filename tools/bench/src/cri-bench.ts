// Starts the runtimes under test as private instances and runs capstan-cri-bench's
// benchmark over them, interleaved: containerd (the reference, with a pod network inside
// its own network namespace) and Capstan's docker shim (apps/docker-shim, over a private
// dockerd in its own node netns, with the same kind of bridge pod network).
// Usage: bash tools/bench-cri.sh [rounds] [density]
import { benchMarkdown, runBenchmark } from '@capstan/cri-conformance';
import {
  buildTestImages,
  startContainerd,
  startDockerd,
  startDockerShim,
  startRegistry,
} from '@capstan/testenv';

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
  const dockerd = await startDockerd({
    network: { podCidr: '10.245.0.0/16', registryHost: registry.host },
  });
  try {
    const shim = await startDockerShim({
      dockerd,
      podInfraImage: images.pause.ref,
      args: ['--log-level=info'],
    });
    try {
      const report = await runBenchmark({
        endpoints: [
          { name: 'containerd', endpoint: containerd.address },
          { name: 'docker-shim', endpoint: shim.address },
        ],
        image: images.busybox.ref,
        rounds,
        density,
        onProgress: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(`${benchMarkdown(report)}\n`);
    } finally {
      await shim.stop();
    }
  } finally {
    await dockerd.stop();
    await containerd.stop();
  }
} finally {
  await registry.stop();
}
