import { describe, expect, it } from 'vitest';
import {
  blkioWeightToIoWeight,
  cpuSharesToWeight,
  cpuWeightToShares,
  formatCpuMax,
  ioWeightToBlkioWeight,
  memorySwapToV2,
  parseCpuMax,
  parseV1Limit,
  parseV2Limit,
} from './resources-convert.js';

describe('shares <-> weight', () => {
  it('uses the kubelet/runc linear formula', () => {
    expect(cpuSharesToWeight(2)).toBe(1);
    expect(cpuSharesToWeight(1024)).toBe(39);
    expect(cpuSharesToWeight(262144)).toBe(10000);
    expect(cpuSharesToWeight(1)).toBe(1); // clamped
    expect(cpuWeightToShares(1)).toBe(2);
    expect(cpuWeightToShares(10000)).toBe(262144);
    expect(cpuWeightToShares(39)).toBe(998); // lossy round trip, as in the kubelet
  });

  it('is monotonic over the whole range', () => {
    let prev = 0;
    for (let s = 2; s <= 262144; s += 97) {
      const w = cpuSharesToWeight(s);
      expect(w).toBeGreaterThanOrEqual(prev);
      prev = w;
    }
  });
});

describe('quota/period <-> cpu.max', () => {
  it('formats and parses', () => {
    expect(formatCpuMax(50000, 100000)).toBe('50000 100000');
    expect(formatCpuMax(-1, 100000)).toBe('max 100000');
    expect(formatCpuMax(undefined, undefined)).toBe('max 100000');
    expect(parseCpuMax('max 100000\n')).toEqual({ quota: -1, period: 100000 });
    expect(parseCpuMax('25000 50000')).toEqual({ quota: 25000, period: 50000 });
    expect(() => parseCpuMax('bogus')).toThrow(/cpu.max/);
  });
});

describe('other conversions', () => {
  it('converts blkio weight to io.weight and back', () => {
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
    expect(ioWeightToBlkioWeight(10000)).toBe(1000);
    expect(ioWeightToBlkioWeight(1)).toBe(10);
  });

  it('converts OCI memory+swap to v2 swap-only', () => {
    expect(memorySwapToV2(-1, 100)).toBe(-1);
    expect(memorySwapToV2(300, 100)).toBe(200);
    expect(() => memorySwapToV2(300, -1)).toThrow(/needs a memory limit/);
    expect(() => memorySwapToV2(50, 100)).toThrow(/below/);
  });

  it('parses limit files', () => {
    expect(parseV1Limit('9223372036854771712\n')).toBe(-1);
    expect(parseV1Limit('67108864')).toBe(67108864);
    expect(parseV2Limit('max')).toBe(-1);
    expect(parseV2Limit('4096\n')).toBe(4096);
  });
});
