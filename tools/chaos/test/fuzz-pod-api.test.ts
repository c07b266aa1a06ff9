import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCriClient } from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { expect, inject, it } from 'vitest';
import { fuzzPodApi } from '../src/fuzz-pod-api.js';
import { memoryLine, memoryRecovered } from '../src/report.js';
import { startPodApiAgent } from './agent-process.js';
import { CASES, progress, SEED } from './fuzz-progress.js';
import { heapGrowth } from './heap-growth.js';

// fuzzPodApi against a real node agent (from source, as a child process) over the shared
// networked containerd: its pod API on loopback https with a token and on a unix socket.

const env = inject('testenv');

it(`pod API: ${CASES} cases, well-formed answers, Status errors, no crash, nothing left`, {
  timeout: 1_200_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-pod-api-'));
  const nodeName = `fuzz-${process.pid}`;
  const runtime = env.networkedContainerd;
  const agent = await startPodApiAgent({
    dir,
    nodeName,
    runtimeEndpoint: runtime.address,
    netns: runtime.netns,
    netnsPath: runtime.netnsPath,
  });
  const cri = await connectCriClient(runtime.address);
  try {
    const retainedBefore = await agent.retainedKiB();
    const heapDir = process.env.FUZZ_HEAP_DIR;
    if (heapDir) await agent.heapSnapshot(join(heapDir, 'agent-before.heapsnapshot'));
    const t0 = Date.now();
    const report = await fuzzPodApi({
      url: agent.url,
      token: agent.token,
      caFile: agent.caFile,
      socket: agent.socket,
      cases: CASES,
      seed: SEED,
      serverPids: () => [agent.pid],
      target: 'node-agent pod API',
      onCase: progress,
      image: env.images.busybox.ref,
    });
    const secs = (Date.now() - t0) / 1000;
    process.stderr.write(
      `${report.target}: ${report.cases} cases in ${secs.toFixed(1)} s (${(report.cases / secs).toFixed(1)}/s), ` +
        `${memoryLine(report)}\n${JSON.stringify(report.answers, null, 1)}\n`,
    );
    expect(report.failures, report.failures.join('\n')).toEqual([]);
    expect(report.cases).toBe(CASES);
    expect(report.crashes).toBe(0);
    expect(report.badAnswers).toBe(0);
    // The verdict is RSS here. The retained heap is printed: after 500 cases it grew
    // 37.9 -> 59.1 MiB while the watch history was bounded by count only (five fuzzed
    // 50,000-env pods), 37.9 -> 44.6 MiB since it is bounded by bytes too (issue 16).
    // FUZZ_HEAP_DIR=dir writes heap snapshots before and after and prints what grew.
    const retainedAfter = await agent.retainedKiB();
    if (heapDir) {
      await agent.heapSnapshot(join(heapDir, 'agent-after.heapsnapshot'));
      process.stderr.write(heapGrowth(heapDir, 'agent'));
    }
    process.stderr.write(`agent retained after a GC: ${retainedBefore} -> ${retainedAfter} KiB\n`);
    expect(retainedAfter).toBeGreaterThan(0);
    expect(memoryRecovered(report), 'memory back within 10 % (+8 MiB)').toBe(true);
    // Nothing of the agent's left in the runtime once its pods are deleted.
    const { items } = await cri.runtime.listPodSandbox({
      filter: { labelSelector: { 'capstan.io/node-agent': nodeName } },
    });
    expect(items.filter((s) => s.state === 0)).toEqual([]);
  } finally {
    await agent.stop();
    const { items } = await cri.runtime.listPodSandbox({
      filter: { labelSelector: { 'capstan.io/node-agent': nodeName } },
    });
    for (const s of items) {
      await cri.runtime.stopPodSandbox({ podSandboxId: s.id }).catch(() => {});
      await cri.runtime.removePodSandbox({ podSandboxId: s.id }).catch(() => {});
    }
    cri.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
