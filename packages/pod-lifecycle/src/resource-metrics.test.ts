import type { ContainerStats } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import type { Node, Pod } from './pod-types.js';
import {
  cgroupSample,
  containerSample,
  cpuQuantity,
  goDuration,
  memoryQuantity,
  nodeMetrics,
  podMetrics,
  type ResourceUsage,
  usageBetween,
} from './resource-metrics.js';
import { ResourceSampler } from './resource-sampler.js';

const T0 = Date.parse('2026-01-02T03:04:05Z');
const Mi = 2 ** 20;

describe('usageBetween', () => {
  it('is the CPU rate over the window in nanocores and the later working set', () => {
    const u = usageBetween(
      { timeMs: T0, cpuUsageNanos: 5e9, memoryWorkingSetBytes: 10 * Mi },
      { timeMs: T0 + 2000, cpuUsageNanos: 6e9, memoryWorkingSetBytes: 12 * Mi },
    );
    // 1 s of CPU in 2 s: half a core.
    expect(u).toEqual({
      timestampMs: T0 + 2000,
      windowMs: 2000,
      cpuNanoCores: 500_000_000,
      memoryWorkingSetBytes: 12 * Mi,
    });
  });

  it('gives no usage for no time between samples or a counter that went back', () => {
    const s = { timeMs: T0, cpuUsageNanos: 5e9, memoryWorkingSetBytes: 1 };
    expect(usageBetween(s, s)).toBeUndefined();
    expect(usageBetween(s, { ...s, timeMs: T0 + 1000, cpuUsageNanos: 1e9 })).toBeUndefined();
  });
});

describe('quantities', () => {
  it('writes CPU in nanocores and memory in Ki as metrics-server does', () => {
    expect(cpuQuantity(1234567.4)).toBe('1234567n');
    expect(cpuQuantity(-3)).toBe('0n');
    expect(memoryQuantity(2048 * 1024)).toBe('2048Ki');
    expect(memoryQuantity(1000)).toBe('1000');
    expect(memoryQuantity(0)).toBe('0');
  });

  it("writes windows as Go's Duration.String()", () => {
    expect(goDuration(10_000)).toBe('10s');
    expect(goDuration(10_062)).toBe('10.062s');
    expect(goDuration(1000.000001)).toBe('1.000000001s');
    expect(goDuration(60_250)).toBe('1m0.25s');
    expect(goDuration(3_600_000)).toBe('1h0m0s');
    expect(goDuration(500)).toBe('500ms');
    expect(goDuration(0)).toBe('0s');
  });
});

describe('samples', () => {
  it('reads a CRI ContainerStats with its own timestamp, working set first', () => {
    const s = {
      attributes: { id: 'c1', metadata: { name: 'app', attempt: 0 }, labels: {}, annotations: {} },
      cpu: { timestamp: 1_700_000_000_123_456_789n, usageCoreNanoSeconds: { value: 42n } },
      memory: { workingSetBytes: { value: 4096n }, usageBytes: { value: 8192n } },
    } as unknown as ContainerStats;
    expect(containerSample(s, 1)).toEqual({
      id: 'c1',
      sample: { timeMs: 1_700_000_000_123.456, cpuUsageNanos: 42, memoryWorkingSetBytes: 4096 },
    });
    const noCpu = { ...s, cpu: undefined } as ContainerStats;
    expect(containerSample(noCpu, 1)).toBeUndefined();
  });

  it('reads a cgroup’s cpu and working set', () => {
    expect(
      cgroupSample({
        path: '/',
        timestamp: T0,
        cpu: { usageNanos: 7 } as never,
        memory: { workingSetBytes: 9 } as never,
      }),
    ).toEqual({ timeMs: T0, cpuUsageNanos: 7, memoryWorkingSetBytes: 9 });
    expect(cgroupSample({ path: '/', timestamp: T0 })).toBeUndefined();
  });
});

const usage: ResourceUsage = {
  timestampMs: T0,
  windowMs: 10_500,
  cpuNanoCores: 250_000_000,
  memoryWorkingSetBytes: 64 * Mi,
};

describe('podMetrics and nodeMetrics', () => {
  const pod = {
    metadata: { name: 'web', namespace: 'prod', uid: 'u1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', containerID: 'containerd://aaa', state: { running: {} } },
        { name: 'b', containerID: 'containerd://bbb', state: { running: {} } },
        { name: 'c', containerID: 'containerd://ccc', state: { terminated: { exitCode: 0 } } },
      ],
    },
  } as unknown as Pod;

  it('reports the running containers that have usage, by their runtime IDs', () => {
    const seen: string[] = [];
    const m = podMetrics(
      pod,
      (id) => {
        seen.push(id);
        return id === 'aaa' ? usage : undefined;
      },
      T0 + 1,
    );
    expect(seen).toEqual(['aaa', 'bbb']);
    expect(m).toEqual({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name: 'web',
        namespace: 'prod',
        creationTimestamp: '2026-01-02T03:04:05Z',
        labels: { app: 'web' },
      },
      timestamp: '2026-01-02T03:04:05Z',
      window: '10.5s',
      containers: [{ name: 'a', usage: { cpu: '250000000n', memory: '65536Ki' } }],
    });
  });

  it('leaves a pod out while no container has two samples', () => {
    expect(podMetrics(pod, () => undefined, T0)).toBeUndefined();
  });

  it('names the node metrics after the node', () => {
    const node = { metadata: { name: 'n1', labels: { role: 'x' } } } as unknown as Node;
    expect(nodeMetrics(node, usage, T0)).toMatchObject({
      kind: 'NodeMetrics',
      metadata: { name: 'n1', labels: { role: 'x' } },
      window: '10.5s',
      usage: { cpu: '250000000n', memory: '65536Ki' },
    });
  });
});

describe('ResourceSampler', () => {
  const stats = (id: string, tNs: bigint, cpu: bigint) =>
    ({
      attributes: { id, labels: {}, annotations: {} },
      cpu: { timestamp: tNs, usageCoreNanoSeconds: { value: cpu } },
      memory: { workingSetBytes: { value: 1024n } },
    }) as unknown as ContainerStats;

  it('has usage after two readings, starts over on a counter reset, forgets gone containers', async () => {
    const rounds = [
      [stats('a', 1_000_000_000n, 0n), stats('b', 1_000_000_000n, 0n)],
      [stats('a', 3_000_000_000n, 1_000_000_000n), stats('b', 3_000_000_000n, 500n)],
      [stats('a', 4_000_000_000n, 10n)],
    ];
    let node = 0;
    const sampler = new ResourceSampler({
      runtime: { listContainerStats: async () => ({ stats: rounds.shift() ?? [] }) } as never,
      nodeSample: async () => ({
        timeMs: T0 + 1000 * node,
        cpuUsageNanos: 2e9 * node++,
        memoryWorkingSetBytes: 5,
      }),
      periodMs: 1000,
    });
    await sampler.sample();
    expect(sampler.container('a')).toBeUndefined();
    expect(sampler.node()).toBeUndefined();
    await sampler.sample();
    expect(sampler.container('a')?.cpuNanoCores).toBe(500_000_000);
    expect(sampler.container('b')?.windowMs).toBe(2000);
    expect(sampler.node()?.cpuNanoCores).toBe(2e9);
    await sampler.sample();
    expect(sampler.container('a')).toBeUndefined();
    expect(sampler.container('b')).toBeUndefined();
  });

  it('keeps the last usage when the runtime fails to answer', async () => {
    let n = 0;
    const sampler = new ResourceSampler({
      runtime: {
        listContainerStats: async () => {
          n++;
          if (n === 3) throw new Error('unavailable');
          return { stats: [stats('a', BigInt(n) * 1_000_000_000n, BigInt(n) * 100_000_000n)] };
        },
      } as never,
      periodMs: 1000,
    });
    await sampler.sample();
    await sampler.sample();
    await sampler.sample();
    expect(sampler.container('a')?.cpuNanoCores).toBe(100_000_000);
  });
});
