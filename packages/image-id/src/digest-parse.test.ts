import { describe, expect, it } from 'vitest';
import { isDigest, parseDigest } from './digest-parse.js';
import { InvalidDigestError } from './errors.js';

const H64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const H128 =
  'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

describe('parseDigest', () => {
  it('splits sha256 and sha512 digests', () => {
    expect(parseDigest(`sha256:${H64}`)).toEqual({
      algorithm: 'sha256',
      hex: H64,
      digest: `sha256:${H64}`,
    });
    expect(parseDigest(`sha512:${H128}`).algorithm).toBe('sha512');
  });

  it.each([
    ['', 'invalid-format', 0],
    ['sha256', 'invalid-format', 6],
    [`:${H64}`, 'invalid-format', 0],
    ['sha256:', 'invalid-format', 7],
    [`SHA256:${H64}`, 'invalid-format', 0],
    [`sha256+:${H64}`, 'invalid-format', 7],
    [`sha256:${H64.slice(0, 60)}!!!!`, 'invalid-format', 67],
    // The OCI grammar allows these; this package supports sha256 and sha512 only.
    [`sha384:${'a'.repeat(96)}`, 'unsupported-algorithm', 0],
    ['multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8', 'unsupported-algorithm', 0],
    ['sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564', 'unsupported-algorithm', 0],
    [`sha256:${H64.slice(1)}`, 'invalid-length', 70],
    [`sha256:${H64}0`, 'invalid-length', 71],
    [`sha512:${H64}`, 'invalid-length', 71],
    [`sha256:${H64.toUpperCase()}`, 'invalid-hex', 7],
    [`sha256:${H64.slice(0, 63)}g`, 'invalid-hex', 70],
  ] as const)('refuses %j (%s at %d)', (input, reason, index) => {
    try {
      parseDigest(input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidDigestError);
      const e = err as InvalidDigestError;
      expect([e.reason, e.index, e.input]).toEqual([reason, index, input]);
      expect(e.message).toContain(`(at index ${index})`);
    }
  });

  it('isDigest is the non-throwing test', () => {
    expect(isDigest(`sha256:${H64}`)).toBe(true);
    expect(isDigest(`sha256:${H64.toUpperCase()}`)).toBe(false);
    expect(isDigest(H64)).toBe(false);
    expect(isDigest(42)).toBe(false);
  });
});
