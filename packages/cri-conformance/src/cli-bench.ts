#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { type BenchEndpoint, benchMarkdown, runBenchmark } from './bench.js';

const endpoint = (v: string, prev: BenchEndpoint[] = []) => {
  const m = /^([^=]+)=(.+)$/.exec(v);
  if (!m)
    throw new InvalidArgumentError(
      'expected name=endpoint, e.g. containerd=unix:///run/containerd/containerd.sock',
    );
  return [...prev, { name: m[1]!, endpoint: m[2]! }];
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

const o = new Command('capstan-cri-bench')
  .description(
    'Benchmarks CRI runtimes side by side (interleaved) and prints a markdown table and JSON.',
  )
  .requiredOption(
    '--endpoint <name=endpoint>',
    'a runtime to measure (repeat; the first is the baseline)',
    endpoint,
  )
  .requiredOption('--image <ref>', 'a busybox image every runtime can pull')
  .option('--rounds <n>', 'lifecycle rounds per runtime', count, 20)
  .option('--density <n>', 'pods in the density test (0 skips it)', count, 100)
  .option('--host-network-only', 'do not measure RunPodSandbox with the pod network')
  .option('--json <file>', 'write the JSON report here (default: stdout after the table)')
  .parse()
  .opts<{
    endpoint: BenchEndpoint[];
    image: string;
    rounds: number;
    density: number;
    hostNetworkOnly?: boolean;
    json?: string;
  }>();

try {
  const report = await runBenchmark({
    endpoints: o.endpoint,
    image: o.image,
    rounds: o.rounds,
    density: o.density,
    podNetwork: !o.hostNetworkOnly,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${benchMarkdown(report)}\n`);
  const json = JSON.stringify(report, null, 2);
  if (o.json) writeFileSync(o.json, json);
  else process.stdout.write(`${json}\n`);
} catch (err) {
  process.stderr.write(`capstan-cri-bench: ${(err as Error).message}\n`);
  process.exit(2);
}
