import { expect, it } from 'vitest';
import {
  compareCniVersions,
  parseCniVersion,
  versionAtLeast,
  versionCandidates,
} from './cni-version.js';

it('compares x.y.z versions numerically', () => {
  expect(compareCniVersions('0.10.0', '0.4.0')).toBeGreaterThan(0);
  expect(compareCniVersions('1.0.0', '1.0.0')).toBe(0);
  expect(versionAtLeast('1.1.0', '1.0.0')).toBe(true);
  expect(versionAtLeast('0.3.1', '0.4.0')).toBe(false);
  expect(parseCniVersion('1.0')).toBeUndefined();
});

it("picks libcni's version: the highest of cniVersion and cniVersions not above 1.1.0", () => {
  expect(versionCandidates('1.0.0', ['1.1.0', '2.0.0'])).toEqual(['1.1.0', '1.0.0']);
  expect(versionCandidates('0.4.0', undefined)).toEqual(['0.4.0']);
  expect(versionCandidates('', ['1.0.0'])).toEqual(['1.0.0']);
  expect(versionCandidates('3.0.0', undefined)).toEqual([]);
});
