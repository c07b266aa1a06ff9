// Starts the runtimes under test as private instances, each whole stack in a cgroup of its
// own, and runs capstan-cri-bench's benchmark over them, interleaved: containerd (the
// reference, with a pod network inside its own network namespace) and Capstan's docker
// shim (apps/docker-shim, built, over a private dockerd in its own node netns, with the
// same kind of bridge pod network). Memory counts every process in a stack's cgroup:
// containerd and its shims; the docker-shim, dockerd, Docker's containerd and its shims.
//
// Usage: bash tools/bench-cri.sh [rounds] [density] [--rounds N] [--density N]
//          [--concurrency N] [--json FILE] [--readme] [--shim-from dist|source]
//   --json     where the JSON report goes (default .tmp/cri-bench-<time>.json)
//   --readme   then regenerate the README tables (tools/bench-readme.sh) from the JSONs
//              they name: pass --json packages/cri-conformance/bench-results.json for that

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchMarkdown, runBenchmark } from '@capstan/cri-conformance';
import {
  buildTestImages,
  createStackCgroup,
  type StackCgroup,
  startContainerd,
  startDockerd,
  startDockerShim,
  startRegistry,
} from '@capstan/testenv';
import { updateReadmes } from './readme-update.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    density: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
    readme: { type: 'boolean', default: false },
    'shim-from': { type: 'string', default: 'dist' },
  },
});
const int = (v: string | undefined, fallback: number, what: string) => {
  const n = Number(v ?? fallback);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
};
const rounds = int(flags.rounds ?? positionals[0], 20, 'rounds');
const density = int(flags.density ?? positionals[1], 100, 'density');
const concurrency = Math.max(1, int(flags.concurrency, 8, 'concurrency'));
const shimFrom = flags['shim-from'];
if (shimFrom !== 'dist' && shimFrom !== 'source') throw new Error('--shim-from: dist or source');
// Relative paths are the caller's (bench-cri.sh runs us from tools/bench).
const jsonFile = resolve(
  process.env.CAPSTAN_BENCH_CWD ?? process.cwd(),
  flags.json ??
    join(ROOT, '.tmp', `cri-bench-${new Date().toISOString().replaceAll(':', '')}.json`),
);
const say = (l: string) => process.stderr.write(`${l}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const cgroups: StackCgroup[] = [];
const stops: (() => Promise<unknown>)[] = [];
const loadBefore = load();
try {
  const registry = await startRegistry();
  stops.push(() => registry.stop());
  const images = await buildTestImages(registry.host);
  const containerdCg = createStackCgroup('containerd');
  cgroups.push(containerdCg);
  const containerd = await startContainerd({
    registryHost: registry.host,
    sandboxImage: images.pause.ref,
    network: { podCidr: '10.244.0.0/16' },
    cgroup: containerdCg.dir,
  });
  stops.push(() => containerd.stop());
  const dockerCg = createStackCgroup('docker-shim');
  cgroups.push(dockerCg);
  const dockerd = await startDockerd({
    network: { podCidr: '10.245.0.0/16', registryHost: registry.host },
    cgroup: dockerCg.dir,
  });
  stops.push(() => dockerd.stop());
  const shim = await startDockerShim({
    dockerd,
    podInfraImage: images.pause.ref,
    args: ['--log-level=info'],
    cgroup: dockerCg.dir,
    fromDist: shimFrom === 'dist',
  });
  stops.push(() => shim.stop());
  say(`stack cgroups: ${containerdCg.dir}, ${dockerCg.dir}`);
  const report = await runBenchmark({
    endpoints: [
      { name: 'containerd', endpoint: containerd.address, cgroup: containerdCg.dir },
      { name: 'docker-shim', endpoint: shim.address, cgroup: dockerCg.dir },
    ],
    image: images.busybox.ref,
    rounds,
    density,
    concurrency,
    onProgress: say,
  });
  report.machine =
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ` +
    `${loadBefore} before and ${load()} after the run (1/5/15 min): other work shares the ` +
    `cores, so timings are noisy. docker-shim ran from ${shimFrom === 'dist' ? 'its build (dist/main.js)' : 'source through tsx'}.`;
  process.stdout.write(`${benchMarkdown(report)}\n`);
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  say(`JSON report: ${jsonFile}`);
} finally {
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => say(`stop: ${String(e)}`));
  for (const cg of cgroups) await cg.remove().catch((e: unknown) => say(String(e)));
}
if (flags.readme) {
  const changed = updateReadmes(ROOT);
  say(changed.length === 0 ? 'READMEs already up to date' : `updated ${changed.join(', ')}`);
}
