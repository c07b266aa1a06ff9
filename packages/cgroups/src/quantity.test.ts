import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { parseQuantityNanos, quantityMilli, quantityValue } from './quantity.js';

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 500],
    ['1', 1000],
    ['1.5', 1500],
    ['0.1', 100],
    ['.5', 500],
    ['2e3', 2_000_000],
    ['1k', 1_000_000],
    ['1n', 1], // rounded up, as MilliValue does
    [2, 2000],
    [0.25, 250],
  ] as const)('%s cpu is %d millicores', (q, milli) => {
    expect(quantityMilli(q)).toBe(milli);
  });

  it.each([
    ['128Mi', 134217728],
    ['1Gi', 1073741824],
    ['1.5Gi', 1610612736],
    ['1G', 1e9],
    ['64Ki', 65536],
    ['100', 100],
    ['1E', 1e18],
    [4096, 4096],
  ] as const)('%s is %d bytes', (q, bytes) => {
    expect(quantityValue(q)).toBe(bytes);
  });

  it('compares "1" and "1000m" as equal', () => {
    expect(parseQuantityNanos('1')).toBe(parseQuantityNanos('1000m'));
    expect(parseQuantityNanos('1Gi')).toBe(parseQuantityNanos('1024Mi'));
  });

  it.each(['', 'abc', '1 Gi', '1Gb', '-1', '--1', '1.2.3', 'Mi'])('rejects %j', (q) => {
    expect(() => parseQuantityNanos(q)).toThrow(InvalidArgumentError);
  });

  it('rejects non-finite numbers', () => {
    expect(() => parseQuantityNanos(Number.POSITIVE_INFINITY)).toThrow(InvalidArgumentError);
  });
});
