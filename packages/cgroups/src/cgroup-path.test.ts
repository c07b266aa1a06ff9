import { describe, expect, it } from 'vitest';
import {
  cgroupPathComponents,
  joinCgroupPath,
  nonRootCgroupPath,
  normalizeCgroupPath,
  validateCgroupName,
} from './cgroup-path.js';
import { InvalidArgumentError } from './errors.js';

describe('cgroup paths', () => {
  it('normalizes leading and trailing slashes', () => {
    expect(normalizeCgroupPath('kubepods/burstable/')).toBe('/kubepods/burstable');
    expect(normalizeCgroupPath('/')).toBe('/');
    expect(cgroupPathComponents('/a/b')).toEqual(['a', 'b']);
  });

  it.each(['/a/../b', '../a', '/a//b', '/a/./b', 'a/..'])('rejects %s', (p) => {
    expect(() => cgroupPathComponents(p)).toThrow(InvalidArgumentError);
  });

  it.each(['', '.', '..', 'a/b', 'a..b', 'x\ny', 'x'.repeat(256)])('rejects the name %j', (n) => {
    expect(() => validateCgroupName(n)).toThrow(InvalidArgumentError);
    expect(() => joinCgroupPath('/p', n)).toThrow(InvalidArgumentError);
  });

  it('refuses the root where a cgroup is created or removed', () => {
    expect(() => nonRootCgroupPath('/')).toThrow(/root cgroup/);
    expect(nonRootCgroupPath('a')).toBe('/a');
  });
});
