import { existsSync } from 'node:fs';
import { createStackCgroup, startContainerd, startDockerd } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { expect, it } from 'vitest';
import { cgroupMemory, processMemory } from '../src/index.js';

// The benchmark's memory is what the kernel lists in a runtime stack's cgroup: prove the
// daemons really are in it (and their RSS in the sum), for containerd and for Docker's pair.

it("a containerd started with a stack cgroup is in it, and the sum includes the daemon's RSS", async () => {
  const cg = createStackCgroup('containerd-accounting');
  const containerd = await startContainerd({ cri: false, cgroup: cg.dir });
  try {
    expect(cg.pids()).toContain(containerd.pid);
    const own = processMemory(containerd.pid)!;
    expect(own.comm).toBe('containerd');
    const sum = cgroupMemory(cg.dir);
    expect(sum.source).toBe('cgroup');
    expect(sum.rssBytes).toBeGreaterThan(1024 * 1024);
    // The daemon's own pages can only have grown a little between the two reads.
    expect(sum.rssBytes).toBeGreaterThanOrEqual(own.rssBytes * 0.9);
    expect(sum.pssBytes).toBeGreaterThan(0);
    expect(sum.groups.map((g) => g.comm)).toEqual(['containerd']);
    // Nothing else of this test process is counted.
    expect(cg.pids()).not.toContain(process.pid);
  } finally {
    await containerd.stop();
    await cg.remove();
  }
  expect(existsSync(cg.dir)).toBe(false);
});

it('a dockerd started with a stack cgroup brings its containerd into the same cgroup', async () => {
  const cg = createStackCgroup('dockerd-accounting');
  const dockerd = await startDockerd({ cgroup: cg.dir });
  try {
    const pids = cg.pids();
    expect(pids).toContain(dockerd.pid);
    const comms = cgroupMemory(cg.dir)
      .groups.map((g) => g.comm)
      .sort();
    expect(comms).toEqual(['containerd', 'dockerd']);
    const sum = cgroupMemory(cg.dir).rssBytes;
    expect(sum).toBeGreaterThan(processMemory(dockerd.pid)!.rssBytes);
  } finally {
    await dockerd.stop();
    await cg.remove();
  }
  expect(existsSync(cg.dir)).toBe(false);
});
