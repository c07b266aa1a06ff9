#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runBenchmark } from './bench.js';
import { benchMarkdown } from './bench-markdown.js';
import type { BenchEndpoint } from './bench-types.js';

const pair = (v: string, what: string) => {
  const m = /^([^=]+)=(.+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`expected name=${what}`);
  return [m[1]!, m[2]!] as const;
};
const endpoint = (v: string, prev: BenchEndpoint[] = []) => {
  const m = /^([^=]+)=(.+)$/.exec(v);
  if (!m)
    throw new InvalidArgumentError(
      'expected name=endpoint, e.g. containerd=unix:///run/containerd/containerd.sock',
    );
  return [...prev, { name: m[1]!, endpoint: m[2]! }];
};
const cgroup = (v: string, prev: Record<string, string> = {}) => {
  const [name, dir] = pair(
    v,
    'cgroup-dir, e.g. containerd=/sys/fs/cgroup/pids/system.slice/containerd.service',
  );
  return { ...prev, [name]: dir };
};
const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

const o = new Command('capstan-cri-bench')
  .description(
    'Benchmarks CRI runtimes side by side (interleaved); prints a markdown table, writes JSON.',
  )
  .requiredOption(
    '--endpoint <name=endpoint>',
    'a runtime to measure (repeat; the first is the baseline)',
    endpoint,
  )
  .requiredOption('--image <ref>', 'a busybox image every runtime can pull')
  .option(
    '--cgroup <name=dir>',
    "the cgroup dir holding every process of that runtime's stack (daemons and shims), " +
      'whose cgroup.procs memory is summed over (repeat; without it: the processes around ' +
      'the socket, which miss helper daemons)',
    cgroup,
  )
  .option('--rounds <n>', 'lifecycle rounds per runtime', count, 20)
  .option('--density <n>', 'pods in the density test (0 skips it)', count, 100)
  .option('--concurrency <n>', 'density pods started at once', count, 8)
  .option('--host-network-only', 'do not measure RunPodSandbox with the pod network')
  .option('--json <file>', 'write the JSON report here', '.tmp/cri-bench.json')
  .parse()
  .opts<{
    endpoint: BenchEndpoint[];
    image: string;
    cgroup?: Record<string, string>;
    rounds: number;
    density: number;
    concurrency: number;
    hostNetworkOnly?: boolean;
    json: string;
  }>();

try {
  for (const name of Object.keys(o.cgroup ?? {})) {
    if (!o.endpoint.some((e) => e.name === name))
      throw new Error(`--cgroup ${name}=...: no --endpoint named ${name}`);
  }
  const report = await runBenchmark({
    endpoints: o.endpoint.map((e) =>
      o.cgroup?.[e.name] !== undefined ? { ...e, cgroup: o.cgroup[e.name]! } : e,
    ),
    image: o.image,
    rounds: o.rounds,
    density: o.density,
    concurrency: Math.max(1, o.concurrency),
    podNetwork: !o.hostNetworkOnly,
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${benchMarkdown(report)}\n`);
  const file = resolve(o.json);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`JSON report: ${file}\n`);
} catch (err) {
  process.stderr.write(`capstan-cri-bench: ${(err as Error).message}\n`);
  process.exit(2);
}
