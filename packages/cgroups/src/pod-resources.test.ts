import { describe, expect, it } from 'vitest';
import {
  aggregatePodResources,
  hugePageSizeName,
  milliCpuToQuota,
  milliCpuToShares,
  podCgroupResources,
} from './pod-resources.js';
import type { PodResourcesSpec } from './qos.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

describe('kubelet conversions', () => {
  it('MilliCPUToShares', () => {
    expect(milliCpuToShares(0)).toBe(2);
    expect(milliCpuToShares(1)).toBe(2);
    expect(milliCpuToShares(100)).toBe(102);
    expect(milliCpuToShares(1000)).toBe(1024);
    expect(milliCpuToShares(1_000_000)).toBe(262144);
  });

  it('MilliCPUToQuota', () => {
    expect(milliCpuToQuota(0)).toBe(0);
    expect(milliCpuToQuota(5)).toBe(1000); // at least 1 ms
    expect(milliCpuToQuota(500)).toBe(50000);
    expect(milliCpuToQuota(1500, 50000)).toBe(75000);
  });

  it('names huge page sizes like the kernel', () => {
    expect(hugePageSizeName('hugepages-2Mi')).toBe('2MB');
    expect(hugePageSizeName('hugepages-1Gi')).toBe('1GB');
    expect(hugePageSizeName('hugepages-64Ki')).toBe('64KB');
    expect(hugePageSizeName('cpu')).toBeUndefined();
  });
});

describe('aggregatePodResources (PodRequests / PodLimits)', () => {
  it('takes the larger of app containers and the biggest init container', () => {
    const pod = {
      containers: [
        { resources: { requests: { cpu: '100m' } } },
        { resources: { requests: { cpu: '200m' } } },
      ],
      initContainers: [{ resources: { requests: { cpu: '500m' } } }],
    };
    expect(aggregatePodResources(pod, 'requests').get('cpu')).toBe(500_000_000n);
  });

  it('adds sidecars to the app containers and to later init containers', () => {
    const pod = {
      containers: [{ resources: { requests: { cpu: '100m' } } }],
      initContainers: [
        { restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
        { resources: { requests: { cpu: '250m' } } },
      ],
    };
    // init #2 runs beside the sidecar: 450m > app 100m + sidecar 200m = 300m.
    expect(aggregatePodResources(pod, 'requests').get('cpu')).toBe(450_000_000n);
  });

  it('adds pod overhead', () => {
    const pod = {
      containers: [{ resources: { limits: { memory: '100Mi' } } }],
      overhead: { memory: '10Mi' },
    };
    expect(aggregatePodResources(pod, 'limits').get('memory')).toBe(
      BigInt(110 * MI) * 1_000_000_000n,
    );
  });
});

describe('podCgroupResources (ResourceConfigForPod)', () => {
  const pod = (containers: PodResourcesSpec['containers']): PodResourcesSpec => ({
    uid: 'u1',
    containers,
  });

  it('Guaranteed: shares, quota, period and memory limit', () => {
    const r = podCgroupResources(pod([{ resources: { limits: { cpu: '500m', memory: '1Gi' } } }]));
    expect(r).toEqual({
      qos: 'Guaranteed',
      resources: { cpu: { shares: 512, quota: 50000, period: 100000 }, memory: { limit: GI } },
    });
  });

  it('Burstable with every limit declared: quota and memory limit', () => {
    const r = podCgroupResources(
      pod([
        {
          resources: {
            requests: { cpu: '250m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
        },
      ]),
    );
    expect(r).toEqual({
      qos: 'Burstable',
      resources: {
        cpu: { shares: 256, quota: 50000, period: 100000 },
        memory: { limit: 256 * MI },
      },
    });
  });

  it('Burstable with a container lacking limits: shares only', () => {
    const r = podCgroupResources(
      pod([
        { resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '1Gi' } } },
        { resources: { requests: { cpu: '100m' } } },
      ]),
    );
    expect(r).toEqual({ qos: 'Burstable', resources: { cpu: { shares: 358 } } });
  });

  it('BestEffort: 2 shares', () => {
    expect(podCgroupResources(pod([{}]))).toEqual({
      qos: 'BestEffort',
      resources: { cpu: { shares: 2 } },
    });
  });

  it('honours the CFS period and disabled CPU limits', () => {
    const p = pod([{ resources: { limits: { cpu: '1', memory: '1Gi' } } }]);
    expect(podCgroupResources(p, { cpuPeriodUs: 50000 }).resources.cpu).toEqual({
      shares: 1024,
      quota: 50000,
      period: 50000,
    });
    expect(podCgroupResources(p, { enforceCpuLimits: false }).resources.cpu?.quota).toBe(-1);
  });

  it('limits huge pages from requests', () => {
    const r = podCgroupResources(
      pod([{ resources: { limits: { cpu: '1', memory: '1Gi', 'hugepages-2Mi': '4Mi' } } }]),
    );
    expect(r.resources.hugepageLimits).toEqual([{ pageSize: '2MB', limit: 4 * MI }]);
  });
});
