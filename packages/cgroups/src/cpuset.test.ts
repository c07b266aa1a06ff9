import { describe, expect, it } from 'vitest';
import { formatCpuset, parseCpuset } from './cpuset.js';
import { InvalidArgumentError } from './errors.js';

describe('cpuset lists', () => {
  it('parses and formats ranges', () => {
    expect(parseCpuset('0-3,6,8-9')).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuset('')).toEqual([]);
    expect(parseCpuset('1\n')).toEqual([1]);
    expect(formatCpuset([9, 8, 0, 1, 2, 3, 6])).toBe('0-3,6,8-9');
    expect(formatCpuset([])).toBe('');
  });

  it.each(['1-', '-1', '3-1', 'a', '1,,2', '0-3,', ' , ', '99999999'])('rejects %j', (s) => {
    expect(() => parseCpuset(s)).toThrow(InvalidArgumentError);
  });
});
