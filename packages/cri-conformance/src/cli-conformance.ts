#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { toJUnit } from './junit.js';
import { formatResult, formatSummary, runConformance } from './runner.js';
import type { HostExec } from './suite-types.js';

const regex = (v: string) => {
  try {
    return new RegExp(v);
  } catch (err) {
    throw new InvalidArgumentError(`not a regular expression: ${(err as Error).message}`);
  }
};
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

const program = new Command('capstan-cri-conformance')
  .description('Runs the Capstan CRI conformance suite against a CRI runtime endpoint.')
  .requiredOption(
    '--runtime-endpoint <endpoint>',
    'CRI runtime endpoint, e.g. unix:///run/containerd/containerd.sock',
  )
  .option('--image-endpoint <endpoint>', 'CRI image endpoint (default: the runtime endpoint)')
  .requiredOption('--busybox-image <ref>', 'a busybox image the runtime can pull')
  .requiredOption('--httpd-image <ref>', 'an image serving "httpd ok" on port 8080')
  .option('--focus <regex>', 'run only tests whose category/name matches', regex)
  .option('--skip <regex>', 'skip tests whose category/name matches', regex)
  .option('--parallel <n>', 'tests run at once', positive, 4)
  .option('--junit <file>', 'also write a JUnit XML report')
  .option(
    '--host-exec <prefix>',
    'command prefix that runs a command in the node network namespace (e.g. "ip netns exec node1"); "" runs commands directly',
  )
  .option('--list', 'list the tests and exit');

program.parse();
const o = program.opts<{
  runtimeEndpoint: string;
  imageEndpoint?: string;
  busyboxImage: string;
  httpdImage: string;
  focus?: RegExp;
  skip?: RegExp;
  parallel: number;
  junit?: string;
  hostExec?: string;
  list?: boolean;
}>();

if (o.list) {
  const { selectTests } = await import('./runner.js');
  for (const t of selectTests(o)) process.stdout.write(`${t.category}/${t.name}\n`);
  process.exit(0);
}

const hostExec: HostExec | undefined =
  o.hostExec === undefined
    ? undefined
    : (argv) =>
        new Promise((resolve) => {
          const full = [...o.hostExec!.split(' ').filter(Boolean), ...argv];
          execFile(full[0]!, full.slice(1), { timeout: 30_000 }, (err, stdout, stderr) =>
            resolve({
              code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
              stdout,
              stderr,
            }),
          );
        });

try {
  const report = await runConformance({
    runtimeEndpoint: o.runtimeEndpoint,
    ...(o.imageEndpoint ? { imageEndpoint: o.imageEndpoint } : {}),
    images: { busybox: o.busyboxImage, httpd: o.httpdImage },
    ...(o.focus ? { focus: o.focus } : {}),
    ...(o.skip ? { skip: o.skip } : {}),
    parallel: o.parallel,
    ...(hostExec ? { hostExec } : {}),
    onResult: (r) => process.stdout.write(`${formatResult(r)}\n`),
  });
  if (o.junit) writeFileSync(o.junit, toJUnit(report));
  process.stdout.write(`${formatSummary(report)}\n`);
  process.exit(report.failed > 0 ? 1 : 0);
} catch (err) {
  process.stderr.write(`capstan-cri-conformance: ${(err as Error).message}\n`);
  process.exit(2);
}
