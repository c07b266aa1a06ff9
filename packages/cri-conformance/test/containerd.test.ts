import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from '@capstan/testenv/vitest';
import { afterAll, expect, inject, it } from 'vitest';
import {
  type ConformanceReport,
  formatResult,
  formatSummary,
  type HostExec,
  runConformance,
} from '../src/index.js';
import { EXPECTED_FAILURES_CONTAINERD } from './expected-failures.js';

// The whole suite against the reference runtime: Debian's containerd 1.6, private, with a
// real pod network inside its own network namespace. Every failure must be one that is
// documented (README: "Results on containerd"); a new failure or a new pass both fail
// this test, so a change on either side is noticed.

const env = inject('testenv');

// The node's commands: Debian's busybox-static provides `nc` (the node has no netcat).
const bin = mkdtempSync(join(tmpdir(), 'conformance-bin-'));
symlinkSync('/bin/busybox', join(bin, 'nc'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function hostExecIn(netns: string): HostExec {
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  return (argv) =>
    new Promise((resolve) => {
      execFile(
        'ip',
        ['netns', 'exec', netns, ...argv],
        { timeout: 20_000, env },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
}

it('passes the conformance suite on containerd except the documented failures', async () => {
  const target = env.networkedContainerd;
  const lines: string[] = [];
  const report: ConformanceReport = await runConformance({
    runtimeEndpoint: target.address,
    images: {
      busybox: env.images.busybox.ref,
      busyboxDigest: `${env.images.busybox.repo}@${env.images.busybox.digest}`,
      busyboxId: env.images.busybox.configDigest,
      httpd: env.images.httpd.ref,
    },
    hostExec: hostExecIn(target.netns),
    parallel: 4,
    onResult: (r) => lines.push(formatResult(r)),
  });
  process.stdout.write(`${lines.sort().join('\n')}\n${formatSummary(report)}\n`);
  const failed = report.results
    .filter((r) => r.status === 'failed')
    .map((r) => r.id)
    .sort();
  expect(failed).toEqual(Object.keys(EXPECTED_FAILURES_CONTAINERD).sort());
  expect(report.skipped).toBe(0);
  expect(report.passed).toBeGreaterThan(40);
});
