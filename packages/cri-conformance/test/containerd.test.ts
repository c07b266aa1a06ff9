import type {} from '@capstan/testenv/vitest';
import { afterAll, expect, inject, it } from 'vitest';
import { EXPECTED_FAILURES_CONTAINERD } from './expected-failures.js';
import { nodeExec, runSuite } from './harness.js';

// The whole suite against the reference runtime: Debian's containerd 1.6, private, with a
// real pod network inside its own network namespace. Every failure must be one that is
// documented (README: "Results on containerd"); a new failure or a new pass both fail
// this test, so a change on either side is noticed.

const env = inject('testenv');
const node = nodeExec(env.networkedContainerd.netns);
afterAll(() => node.cleanup());

it('passes the conformance suite on containerd except the documented failures', async () => {
  const { report, failed } = await runSuite(env, env.networkedContainerd.address, node.hostExec);
  expect(failed).toEqual(Object.keys(EXPECTED_FAILURES_CONTAINERD).sort());
  expect(report.skipped).toBe(0);
  expect(report.passed).toBeGreaterThan(40);
});
