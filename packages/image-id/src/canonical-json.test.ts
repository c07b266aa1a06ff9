import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { canonicalDigest, digestOf, verifyDigest } from './digest-compute.js';
import { CanonicalJsonError, DigestMismatchError, InvalidDigestError } from './errors.js';

describe('canonicalJson (RFC 8785 for what JavaScript holds)', () => {
  it('sorts keys and drops whitespace at every depth', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', c: true })).toBe(
      '{"a":"x","b":[3,{"a":null,"z":1}],"c":true}',
    );
  });

  it('orders keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    const value = Object.fromEntries(keys.map((k, i) => [k, i]));
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    // Compared as text: JavaScript objects list integer-like keys ("1") first.
    expect(canonicalJson(value)).toBe(
      `{${order.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(',')}}`,
    );
  });

  it('writes numbers and strings the way RFC 8785 does', () => {
    expect(canonicalJson([1e21, 1e-7, 0.000001, -0, 333333333.3333333, 4.5])).toBe(
      '[1e+21,1e-7,0.000001,0,333333333.3333333,4.5]',
    );
    expect(canonicalJson('\u20ac$\u000f\nA\'B"\\\\"/<>&')).toBe(
      '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/<>&"',
    );
  });

  it('gives equal data an equal digest whatever the key order', () => {
    const a = canonicalDigest({ x: 1, y: { b: 2, a: 1 } });
    const b = canonicalDigest({ y: { a: 1, b: 2 }, x: 1 });
    expect(a).toBe(b);
    expect(a).toBe(digestOf('{"x":1,"y":{"a":1,"b":2}}'));
  });

  it('leaves out undefined members, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['NaN', { a: [Number.NaN] }, 'a[0]'],
    ['Infinity', { a: Number.POSITIVE_INFINITY }, 'a'],
    ['a bigint', { a: { b: 1n } }, 'a.b'],
    ['a Date', { when: new Date(0) }, 'when'],
    ['a Map', new Map(), ''],
    ['a lone surrogate', { s: 'x\ud800' }, 's'],
    ['a lone surrogate key', { '\udc00': 1 }, '\udc00'],
    ['undefined in an array', [undefined], '[0]'],
    ['a function', { f: () => 1 }, 'f'],
  ])('refuses %s with a typed error and its path', (_, value, path) => {
    try {
      canonicalJson(value as unknown as JsonValue);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CanonicalJsonError);
      expect((err as CanonicalJsonError).path).toBe(path);
    }
  });

  it('refuses cycles but allows shared subtrees', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic as JsonValue)).toThrow(CanonicalJsonError);
  });

  it('accepts objects without a prototype', () => {
    const o = Object.create(null) as Record<string, JsonValue>;
    o.b = 1;
    o.a = 2;
    expect(canonicalJson(o)).toBe('{"a":2,"b":1}');
  });
});

describe('digestOf / verifyDigest', () => {
  it('hashes bytes and UTF-8 strings (known answers)', () => {
    expect(digestOf('')).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(digestOf(new TextEncoder().encode('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(digestOf('', 'sha512')).toBe(
      'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });

  it('verifies with the expected digest algorithm and says what it found', () => {
    expect(() => verifyDigest('abc', digestOf('abc', 'sha512'))).not.toThrow();
    try {
      verifyDigest('abd', digestOf('abc'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DigestMismatchError);
      const e = err as DigestMismatchError;
      expect(e.expected).toBe(digestOf('abc'));
      expect(e.actual).toBe(digestOf('abd'));
      expect(e.kind).toBe('failed-precondition');
    }
    expect(() => verifyDigest('abc', 'md5:00')).toThrow(InvalidDigestError);
  });
});
