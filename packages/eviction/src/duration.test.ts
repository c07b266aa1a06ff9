import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './duration.js';

describe('Go durations', () => {
  it.each([
    ['0', 0],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['2h45m', 9_900_000],
    ['10us', 0.01],
    ['10µs', 0.01],
    ['100ns', 0.0001],
    ['+5s', 5000],
    ['-1m', -60_000],
    ['.5s', 500],
  ])('%s is %d ms', (text, ms) => expect(parseGoDuration(text)).toBeCloseTo(ms, 9));

  it.each(['', '90', '1x', 'abc', '1m30', 'm', '1 m', '--1s', '1.2.3s'])(
    '%j is not a duration',
    (t) => expect(parseGoDuration(t)).toBeUndefined(),
  );

  it('formats like Go', () => {
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(500)).toBe('500ms');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
  });
});
