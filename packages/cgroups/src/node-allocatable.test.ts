import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { computeNodeAllocatable } from './node-allocatable.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

describe('computeNodeAllocatable', () => {
  // The example of the Kubernetes docs (Reserve Compute Resources for System Daemons).
  const cfg = {
    capacity: { cpu: '16', memory: '32Gi' },
    kubeReserved: { cpu: '1', memory: '2Gi' },
    systemReserved: { cpu: '500m', memory: '1Gi' },
    hardEvictionMemory: '500Mi',
  };

  it('reports allocatable = capacity - reserved - hard eviction (14.5 CPUs, 29Gi - 500Mi)', () => {
    const a = computeNodeAllocatable(cfg);
    expect(a.allocatable).toEqual({ cpuMilli: 14500, memoryBytes: 29 * GI - 500 * MI });
  });

  it('enforces capacity - reserved on kubepods, as the kubelet does', () => {
    const a = computeNodeAllocatable(cfg);
    expect(a.cgroupLimit).toEqual({ cpuMilli: 14500, memoryBytes: 29 * GI });
    expect(a.resources).toEqual({ cpu: { shares: 14848 }, memory: { limit: 29 * GI } });
  });

  it('optionally subtracts the eviction threshold from the cgroup limit too', () => {
    const a = computeNodeAllocatable({ ...cfg, evictionThresholdInCgroupLimit: true });
    expect(a.resources.memory?.limit).toBe(29 * GI - 500 * MI);
  });

  it('accepts a percentage threshold and pids', () => {
    const a = computeNodeAllocatable({
      capacity: { cpu: 2, memory: '1000Mi', pids: 4096 },
      kubeReserved: { pids: 96 },
      hardEvictionMemory: '10%',
    });
    expect(a.allocatable).toEqual({ cpuMilli: 2000, memoryBytes: 900 * MI, pids: 4000 });
    expect(a.resources.pids).toEqual({ limit: 4000 });
  });

  it('rejects reservations above capacity and bad quantities', () => {
    expect(() =>
      computeNodeAllocatable({ capacity: { cpu: 1, memory: '1Gi' }, kubeReserved: { cpu: 2 } }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      computeNodeAllocatable({ capacity: { cpu: 1, memory: '1Gi' }, hardEvictionMemory: '2Gi' }),
    ).toThrow(/memory/);
    expect(() =>
      computeNodeAllocatable({ capacity: { cpu: 1, memory: '1Gi' }, hardEvictionMemory: '120%' }),
    ).toThrow(InvalidArgumentError);
    expect(() => computeNodeAllocatable({ capacity: { cpu: '-1', memory: '1Gi' } })).toThrow(
      InvalidArgumentError,
    );
  });
});
