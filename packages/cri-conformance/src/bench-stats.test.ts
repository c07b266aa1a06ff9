import { describe, expect, it } from 'vitest';
import { distribution, fmtMiB, fmtMs, fmtPct, fmtRatio, growth, mean } from './bench-stats.js';

describe('distribution', () => {
  it('takes nearest-rank percentiles of 1..100', () => {
    const d = distribution(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(d).toEqual({ n: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });
  it('gives the only sample for every percentile of one', () => {
    expect(distribution([7])).toMatchObject({ n: 1, p50: 7, p90: 7, p99: 7, max: 7 });
  });
  it('reports p99 as the max below 100 samples', () => {
    const d = distribution([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(d.p50).toBe(5);
    expect(d.p90).toBe(9);
    expect(d.p99).toBe(10);
  });
  it('is NaN when empty', () => {
    const d = distribution([]);
    expect(d.n).toBe(0);
    expect(d.p50).toBeNaN();
    expect(d.mean).toBeNaN();
  });
});

describe('growth', () => {
  it('compares the first and last tenth in start order', () => {
    const g = growth([
      10, 10, 20, 20, 20, 20, 20, 20, 30, 15, 11, 12, 13, 14, 15, 16, 17, 18, 12, 12,
    ]);
    expect(g.pods).toBe(2);
    expect(g.firstMeanMs).toBe(10);
    expect(g.lastMeanMs).toBe(12);
    expect(g.change).toBeCloseTo(0.2);
  });
  it('uses one pod per side for fewer than 20 pods', () => {
    expect(growth([4, 100, 5])).toMatchObject({ pods: 1, firstMeanMs: 4, lastMeanMs: 5 });
  });
  it('is NaN for no pods', () => {
    expect(growth([]).change).toBeNaN();
  });
});

describe('formats', () => {
  it('formats ms, ratios, MiB and percentages', () => {
    expect(fmtMs(3.456)).toBe('3.46');
    expect(fmtMs(123.45)).toBe('123.5');
    expect(fmtMs(Number.NaN)).toBe('n/a');
    expect(fmtRatio(3, 2)).toBe('1.50x');
    expect(fmtRatio(3, 0)).toBe('n/a');
    expect(fmtMiB(1.5 * 1024 * 1024)).toBe('1.50');
    expect(fmtMiB(300 * 1024 * 1024)).toBe('300.0');
    expect(fmtPct(0.153)).toBe('+15%');
    expect(fmtPct(-0.05)).toBe('-5%');
    expect(mean([1, 2, 3])).toBe(2);
  });
});
