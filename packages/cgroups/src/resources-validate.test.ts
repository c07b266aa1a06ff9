import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import type { LinuxResources } from './resources.js';
import { controllersFor } from './resources.js';
import { validateResources } from './resources-validate.js';

describe('validateResources', () => {
  it('accepts a full, valid set', () => {
    expect(() =>
      validateResources({
        cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
        memory: { limit: 2 ** 30, reservation: 2 ** 20, swap: 2 * 2 ** 30 },
        pids: { limit: 100 },
        hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
        blockIO: { weight: 500 },
      }),
    ).not.toThrow();
    expect(() =>
      validateResources({
        cpu: { quota: -1 },
        memory: { limit: -1, swap: -1 },
        pids: { limit: -1 },
      }),
    ).not.toThrow();
  });

  const bad: Array<[string, LinuxResources]> = [
    ['negative memory', { memory: { limit: -5 } }],
    ['zero memory', { memory: { limit: 0 } }],
    ['fractional memory', { memory: { limit: 1.5 } }],
    ['swap below limit', { memory: { limit: 100, swap: 50 } }],
    ['swap without limit', { memory: { limit: -1, swap: 500 } }],
    ['shares 1', { cpu: { shares: 1 } }],
    ['shares too big', { cpu: { shares: 262145 } }],
    ['quota 500', { cpu: { quota: 500 } }],
    ['quota -2', { cpu: { quota: -2 } }],
    ['period 100', { cpu: { period: 100 } }],
    ['NaN period', { cpu: { period: Number.NaN } }],
    ['cpuset 1-', { cpu: { cpus: '1-' } }],
    ['mems a', { cpu: { mems: 'a' } }],
    ['pids 0', { pids: { limit: 0 } }],
    ['pids -3', { pids: { limit: -3 } }],
    ['page size', { hugepageLimits: [{ pageSize: '2M', limit: 0 }] }],
    [
      'duplicate page size',
      {
        hugepageLimits: [
          { pageSize: '2MB', limit: 0 },
          { pageSize: '2MB', limit: 1 },
        ],
      },
    ],
    ['blkio weight 5', { blockIO: { weight: 5 } }],
  ];
  it.each(bad)('rejects %s with InvalidArgumentError naming the field', (_name, r) => {
    expect(() => validateResources(r)).toThrow(InvalidArgumentError);
    expect(() => validateResources(r)).toThrow(/resources\./);
  });

  it('lists the controllers a resource set needs', () => {
    expect(
      [
        ...controllersFor({
          cpu: { shares: 2, cpus: '0' },
          memory: { limit: 1 },
          blockIO: { weight: 10 },
        }),
      ].sort(),
    ).toEqual(['blkio', 'cpu', 'cpuset', 'memory']);
    expect([...controllersFor({})]).toEqual([]);
  });
});
