import { describe, expect, it } from 'vitest';
import { batches } from './bench-density.js';

describe('batches', () => {
  it('splits evenly so the last batch is not a small one', () => {
    const b = batches(100, 8);
    expect(b).toHaveLength(13);
    expect(b.map((x) => x.length)).toEqual([8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 7, 7, 7]);
    expect(b.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
  it('handles fewer pods than the concurrency, exact multiples and zero', () => {
    expect(batches(3, 8)).toEqual([[0, 1, 2]]);
    expect(batches(16, 8).map((x) => x.length)).toEqual([8, 8]);
    expect(batches(10, 8).map((x) => x.length)).toEqual([5, 5]);
    expect(batches(0, 8)).toEqual([]);
  });
});
