import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { type ContainerResourcesSpec, computePodQos, type QosClass } from './qos.js';

// The cases of TestComputePodQOS in kubernetes/kubernetes
// (pkg/apis/core/v1/helper/qos/qos_test.go), container-level ones.
const list = (cpu: string, memory: string) => ({
  ...(cpu ? { cpu } : {}),
  ...(memory ? { memory } : {}),
});
const c = (
  req: [string, string],
  lim: [string, string],
  extra: Record<string, string> = {},
): ContainerResourcesSpec => ({
  resources: { requests: { ...list(...req), ...extra }, limits: { ...list(...lim), ...extra } },
});

const cases: Array<[string, ContainerResourcesSpec[], ContainerResourcesSpec[], QosClass]> = [
  ['guaranteed', [c(['100m', '100Mi'], ['100m', '100Mi'])], [], 'Guaranteed'],
  [
    'guaranteed-guaranteed',
    [c(['100m', '100Mi'], ['100m', '100Mi']), c(['100m', '100Mi'], ['100m', '100Mi'])],
    [],
    'Guaranteed',
  ],
  ['best-effort-best-effort', [c(['', ''], ['', '']), c(['', ''], ['', ''])], [], 'BestEffort'],
  ['best-effort', [c(['', ''], ['', ''])], [], 'BestEffort'],
  ['best-effort-burstable', [c(['', ''], ['', '']), c(['1', ''], ['2', ''])], [], 'Burstable'],
  [
    'best-effort-guaranteed',
    [c(['', ''], ['', '']), c(['10m', '100Mi'], ['10m', '100Mi'])],
    [],
    'Burstable',
  ],
  ['burstable-cpu-guaranteed-memory', [c(['', '100Mi'], ['', '100Mi'])], [], 'Burstable'],
  ['burstable-no-limits', [c(['100m', '100Mi'], ['', ''])], [], 'Burstable'],
  [
    'burstable-guaranteed',
    [c(['1', '100Mi'], ['2', '100Mi']), c(['100m', '100Mi'], ['100m', '100Mi'])],
    [],
    'Burstable',
  ],
  [
    'burstable-unbounded-but-requests-match-limits',
    [c(['100m', '100Mi'], ['200m', '200Mi']), c(['100m', '100Mi'], ['', ''])],
    [],
    'Burstable',
  ],
  ['burstable-1', [c(['10m', '100Mi'], ['100m', '200Mi'])], [], 'Burstable'],
  ['burstable-2', [c(['0', '0'], ['100m', '200Mi'])], [], 'Burstable'],
  [
    'best-effort-hugepages',
    [c(['0', '0'], ['0', '0'], { 'hugepages-2Mi': '1Gi' })],
    [],
    'BestEffort',
  ],
  [
    'init-container',
    [c(['', ''], ['', ''])],
    [c(['10m', '100Mi'], ['100m', '200Mi'])],
    'Burstable',
  ],
];

describe('computePodQos (Kubernetes ComputePodQOS)', () => {
  it.each(cases)('%s -> %s', (_name, containers, initContainers, expected) => {
    expect(computePodQos({ containers, initContainers })).toBe(expected);
  });

  it('defaults requests to limits, as the API server does', () => {
    expect(
      computePodQos({ containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' } } }] }),
    ).toBe('Guaranteed');
    expect(computePodQos({ containers: [{ resources: { limits: { cpu: '1' } } }] })).toBe(
      'Burstable',
    );
  });

  it('compares quantities by value ("1" equals "1000m")', () => {
    expect(
      computePodQos({
        containers: [
          {
            resources: {
              requests: { cpu: '1000m', memory: '1Gi' },
              limits: { cpu: 1, memory: '1024Mi' },
            },
          },
        ],
      }),
    ).toBe('Guaranteed');
  });

  it('ignores resources other than cpu and memory', () => {
    expect(
      computePodQos({ containers: [{ resources: { requests: { 'ephemeral-storage': '1Gi' } } }] }),
    ).toBe('BestEffort');
  });

  it('needs every container, init containers included, to be guaranteed', () => {
    expect(
      computePodQos({
        containers: [c(['1', '1Gi'], ['1', '1Gi'])],
        initContainers: [c(['', ''], ['', ''])],
      }),
    ).toBe('Burstable');
    expect(
      computePodQos({
        containers: [c(['1', '1Gi'], ['1', '1Gi'])],
        initContainers: [c(['1', '1Gi'], ['1', '1Gi'])],
      }),
    ).toBe('Guaranteed');
  });

  it('rejects a request above its limit and malformed quantities', () => {
    expect(() => computePodQos({ containers: [c(['2', '1Gi'], ['1', '1Gi'])] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => computePodQos({ containers: [c(['lots', ''], ['', ''])] })).toThrow(
      InvalidArgumentError,
    );
  });
});
