import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvidedTestEnv } from '@capstan/testenv';
import {
  type ConformanceReport,
  formatResult,
  formatSummary,
  type HostExec,
  runConformance,
} from '../src/index.js';

// What the runs against real runtimes share: commands in the node's netns, the test
// images, and the report printed and reduced to the sorted list of failed test IDs.

/** Runs commands in `netns` (the node), with Debian's busybox-static as `nc`. */
export function nodeExec(netns: string): { hostExec: HostExec; cleanup(): void } {
  const bin = mkdtempSync(join(tmpdir(), 'conformance-bin-'));
  symlinkSync('/bin/busybox', join(bin, 'nc'));
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  return {
    hostExec: (argv) =>
      new Promise((resolve) => {
        execFile(
          'ip',
          ['netns', 'exec', netns, ...argv],
          { timeout: 20_000, env },
          (err, stdout, stderr) => {
            resolve({
              code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
              stdout,
              stderr,
            });
          },
        );
      }),
    cleanup: () => rmSync(bin, { recursive: true, force: true }),
  };
}

/** Runs the whole suite, prints one line per test and the summary; returns failed IDs too. */
export async function runSuite(
  env: ProvidedTestEnv,
  runtimeEndpoint: string,
  hostExec: HostExec,
): Promise<{ report: ConformanceReport; failed: string[] }> {
  const lines: string[] = [];
  const report = await runConformance({
    runtimeEndpoint,
    images: {
      busybox: env.images.busybox.ref,
      busyboxDigest: `${env.images.busybox.repo}@${env.images.busybox.digest}`,
      busyboxId: env.images.busybox.configDigest,
      httpd: env.images.httpd.ref,
    },
    hostExec,
    parallel: 4,
    onResult: (r) => lines.push(formatResult(r)),
  });
  process.stdout.write(`${lines.sort().join('\n')}\n${formatSummary(report)}\n`);
  const failed = report.results
    .filter((r) => r.status === 'failed')
    .map((r) => r.id)
    .sort();
  return { report, failed };
}
