import { describe, expect, it } from 'vitest';
import { upstreamDockerRef, upstreamRepositoryInfo } from '../test/fixtures/normalize-vectors.js';
import { InvalidDigestError, InvalidReferenceError } from './errors.js';
import {
  familiarName,
  familiarString,
  normalizeReference,
  parseDockerRef,
  withDigest,
  withoutTagOrDigest,
  withTag,
} from './reference-familiar.js';
import { formatReference, parseNormalizedReference, parseReference } from './reference-parse.js';

const D = 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';

describe('familiar and full forms', () => {
  for (const [i, c] of upstreamRepositoryInfo.entries()) {
    const spellings = [c.familiarName, c.fullName, ...(c.ambiguousName ? [c.ambiguousName] : [])];
    it.each(spellings)(`normalize_test.go repository info #${i}: %s`, (spelling) => {
      const ref = parseNormalizedReference(spelling);
      expect(familiarName(ref)).toBe(c.familiarName);
      expect(formatReference(ref)).toBe(c.fullName);
      expect(ref.domain).toBe(c.domain);
      expect(ref.path).toBe(c.remoteName);
    });
  }

  it('keeps tag and digest through the round trip (normalize_test.go)', () => {
    const short = `busybox:latest@${D}`;
    const ref = parseNormalizedReference(short);
    expect(formatReference(ref)).toBe(`docker.io/library/${short}`);
    expect(ref.tag).toBe('latest');
    expect(ref.digest).toBe(D);
    expect(familiarString(ref)).toBe(short);
  });

  it('familiarName leaves a nested library path and other registries alone', () => {
    expect(familiarName(parseNormalizedReference('library/foo/bar'))).toBe('library/foo/bar');
    expect(familiarName(parseNormalizedReference('quay.io/library/foo'))).toBe(
      'quay.io/library/foo',
    );
    expect(familiarName(parseReference('busybox'))).toBe('busybox');
  });
});

describe('parseDockerRef / normalizeReference', () => {
  it.each(upstreamDockerRef)('normalize_test.go: $input', ({ input, expected }) => {
    expect(normalizeReference(input)).toBe(expected);
    // The output is itself a valid reference as written.
    expect(formatReference(parseReference(expected))).toBe(expected);
  });

  it('is idempotent', () => {
    for (const s of ['busybox', 'localhost:5000/a/b:c', `quay.io/x@${D}`]) {
      expect(normalizeReference(normalizeReference(s))).toBe(normalizeReference(s));
    }
  });

  it('drops the tag next to a digest, adds latest to a bare name', () => {
    expect(parseDockerRef(`busybox:1.36@${D}`)).toEqual({
      domain: 'docker.io',
      path: 'library/busybox',
      name: 'docker.io/library/busybox',
      digest: D,
    });
    expect(parseDockerRef('busybox').tag).toBe('latest');
  });
});

describe('withTag / withDigest', () => {
  const busybox = parseNormalizedReference('busybox');

  it('builds references and checks what it adds (normalize_test.go TestInvalidReferenceComponents)', () => {
    expect(formatReference(withTag(busybox, 'TAG5'))).toBe('docker.io/library/busybox:TAG5');
    expect(formatReference(withDigest(withTag(busybox, 'latest'), D))).toBe(
      `docker.io/library/busybox:latest@${D}`,
    );
    expect(() => withTag(busybox, '-foo')).toThrow(InvalidReferenceError);
    expect(() => withDigest(busybox, 'foo')).toThrow(InvalidDigestError);
    expect(() => parseNormalizedReference('-foo')).toThrow(InvalidReferenceError);
    expect(formatReference(withoutTagOrDigest(withTag(busybox, 'x')))).toBe(
      'docker.io/library/busybox',
    );
  });

  it('points a bad tag at its position in the combined string', () => {
    try {
      withTag(busybox, 'ok~no');
      expect.unreachable();
    } catch (err) {
      const e = err as InvalidReferenceError;
      expect(e.reason).toBe('invalid-tag');
      expect(e.input).toBe('docker.io/library/busybox:ok~no');
      expect(e.input[e.index]).toBe('~');
    }
  });
});
