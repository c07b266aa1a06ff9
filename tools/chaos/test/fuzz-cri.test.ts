import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCriClient } from '@capstan/cri-api';
import {
  exposeNetnsPort,
  type NetnsPort,
  nodeRetainedMemory,
  startDockerd,
  startDockerShim,
  startNetworkedContainerd,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { describe, expect, inject, it } from 'vitest';
import { CONTAINERD_TOKEN_BITS } from '../src/campaign-fuzz.js';
import { fuzzCri } from '../src/fuzz-cri.js';
import { type FuzzReport, memoryLine, memoryRecovered } from '../src/report.js';
import { CASES, progress, SEED } from './fuzz-progress.js';

// fuzzCri against the real CRI servers: Capstan's docker-shim (over a private dockerd) and
// containerd, each with a pod network in its own node netns. ~500 cases each: no crash, no
// answer that is not a gRPC status, memory back within 10 % (+8 MiB), nothing left behind.
// The shim's memory verdict is what it retains after a full GC (asked through its
// inspector); containerd's is RSS.

const env = inject('testenv');

async function counts(address: string): Promise<{ sandboxes: number; containers: number }> {
  const cri = await connectCriClient(address);
  try {
    const [s, c] = await Promise.all([
      cri.runtime.listPodSandbox({}),
      cri.runtime.listContainers({}),
    ]);
    return { sandboxes: s.items.length, containers: c.containers.length };
  } finally {
    cri.close();
  }
}

function expectClean(report: FuzzReport, started: number) {
  const secs = (Date.now() - started) / 1000;
  process.stderr.write(
    `${report.target}: ${report.cases} cases in ${secs.toFixed(1)} s (${(report.cases / secs).toFixed(1)}/s), ` +
      `${memoryLine(report)}\n${JSON.stringify(report.answers, null, 1)}\n`,
  );
  expect(report.failures, report.failures.join('\n')).toEqual([]);
  expect(report.cases).toBe(CASES);
  expect(report.crashes).toBe(0);
  expect(report.badAnswers).toBe(0);
  expect(report.memoryStartKiB).toBeGreaterThan(0);
  if (report.retainedStartKiB !== undefined) expect(report.retainedEndKiB).toBeGreaterThan(0);
  expect(memoryRecovered(report), 'memory back within 10 % (+8 MiB)').toBe(true);
}

describe('fuzzCri', () => {
  it(`docker-shim: ${CASES} cases, no crash, only gRPC statuses, nothing left`, {
    timeout: 1_800_000,
  }, async () => {
    const dockerd = await startDockerd({
      network: { podCidr: '10.248.0.0/24', registryHost: env.registryHost },
    });
    try {
      const shim = await startDockerShim({
        dockerd,
        podInfraImage: env.images.pause.ref,
        inspect: true,
      });
      try {
        const start = await counts(shim.address);
        const t0 = Date.now();
        const report = await fuzzCri({
          address: shim.address,
          cases: CASES,
          seed: SEED,
          serverPids: () => [shim.pid],
          retainedKiB: async () => (await nodeRetainedMemory(shim.inspectorUrl()!)).totalKiB,
          target: 'docker-shim',
          onCase: progress,
          image: env.images.busybox.ref,
          registryHost: env.registryHost,
        });
        expectClean(report, t0);
        expect(await counts(shim.address)).toEqual(start);
      } finally {
        await shim.stop();
      }
    } finally {
      await dockerd.stop();
    }
  });

  it(`containerd: ${CASES} cases, no crash, only gRPC statuses, nothing left`, {
    timeout: 1_800_000,
  }, async () => {
    const containerd = await startNetworkedContainerd({
      podCidr: '10.249.0.0/24',
      registryHost: env.registryHost,
      sandboxImage: env.images.pause.ref,
    });
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-cri-ports-'));
    const exposed = new Map<number, NetnsPort>();
    try {
      const start = await counts(containerd.address);
      const t0 = Date.now();
      const report = await fuzzCri({
        address: containerd.address,
        cases: CASES,
        seed: SEED,
        serverPids: () => [containerd.pid],
        target: 'containerd',
        onCase: progress,
        image: env.images.busybox.ref,
        registryHost: env.registryHost,
        minTokenBits: CONTAINERD_TOKEN_BITS,
        exposeStreamingPort: async (port) => {
          if (!exposed.has(port))
            exposed.set(
              port,
              await exposeNetnsPort({
                port,
                netns: containerd.netns,
                netnsPath: containerd.netnsPath,
                dir,
              }),
            );
        },
      });
      expectClean(report, t0);
      expect(await counts(containerd.address)).toEqual(start);
    } finally {
      for (const p of exposed.values()) await p.close();
      await containerd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
