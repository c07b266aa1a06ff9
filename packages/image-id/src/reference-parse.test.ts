import { describe, expect, it } from 'vitest';
import {
  capstanNormalized,
  upstreamNormalizedInvalid,
  upstreamNormalizedValid,
  upstreamSplitHostname,
} from '../test/fixtures/normalize-vectors.js';
import {
  type ParseVector,
  upstreamDomains,
  upstreamNames,
  upstreamParse,
  upstreamReferences,
} from '../test/fixtures/reference-vectors.js';
import { ImageIdError, InvalidDigestError, InvalidReferenceError } from './errors.js';
import {
  formatReference,
  parseNormalizedReference,
  parseReference,
  type Reference,
} from './reference-parse.js';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const label = (v: ParseVector) =>
  v.input.length > 60 ? `${v.input.slice(0, 57)}...` : v.input || '(empty)';

function check(parse: (s: string) => Reference, v: ParseVector): void {
  if (v.error !== undefined) {
    const err = caught(() => parse(v.input));
    expect(err).toBeInstanceOf(InvalidReferenceError);
    const e = err as InvalidReferenceError;
    expect(e.reason).toBe(v.error);
    expect(e.input).toBe(v.input);
    if (v.index !== undefined) expect(e.index).toBe(v.index);
    expect(e.index).toBeGreaterThanOrEqual(0);
    expect(e.index).toBeLessThanOrEqual(v.input.length);
    if (v.digestError !== undefined) {
      expect(e.cause).toBeInstanceOf(InvalidDigestError);
      expect((e.cause as InvalidDigestError).reason).toBe(v.digestError);
    }
    return;
  }
  const ref = parse(v.input);
  if (v.name !== undefined) expect(ref.name).toBe(v.name);
  if (v.domain !== undefined) expect(ref.domain).toBe(v.domain);
  expect(ref.tag).toBe(v.tag);
  expect(ref.digest).toBe(v.digest);
  expect(ref.name).toBe(ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`);
}

describe('parseReference (the grammar as written, Go reference.Parse)', () => {
  it.each(upstreamParse.map((v) => [label(v), v] as const))('reference_test.go: %s', (_, v) => {
    check(parseReference, v);
    // Go's test: a parsed reference prints back as its input.
    if (v.error === undefined) expect(formatReference(parseReference(v.input))).toBe(v.input);
  });

  it.each(upstreamNames.map((v) => [label(v), v] as const))('regexp_test.go names: %s', (_, v) =>
    check(parseReference, v),
  );

  it.each(upstreamReferences.map((v) => [label(v), v] as const))(
    'regexp_test.go references: %s',
    (_, v) => check(parseReference, v),
  );

  it.each(upstreamDomains.map((d) => [d.domain, d.match] as const))(
    'regexp_test.go domains: %s matches the domain grammar: %s',
    (domain, match) => {
      if (match) expect(parseReference(`${domain}/repo`).domain).toBe(domain);
      else expect(() => parseReference(`${domain}/repo`)).toThrow(InvalidReferenceError);
    },
  );

  it('errors are typed, categorized and say what and where', () => {
    const e = caught(() =>
      parseReference('registry.example.com/My/app:1'),
    ) as InvalidReferenceError;
    expect(e).toBeInstanceOf(ImageIdError);
    expect(e.name).toBe('InvalidReferenceError');
    expect(e.kind).toBe('invalid-argument');
    expect(e.reason).toBe('uppercase');
    expect(e.index).toBe(21);
    expect(e.message).toBe(
      'invalid image reference "registry.example.com/My/app:1": repository name must be lowercase (at index 21)',
    );
  });

  it('keeps the domain as written (no normalization)', () => {
    expect(parseReference('busybox')).toEqual({ domain: '', path: 'busybox', name: 'busybox' });
    expect(parseReference('index.docker.io/busybox').domain).toBe('index.docker.io');
  });
});

describe('parseNormalizedReference (what users type, Go ParseNormalizedNamed)', () => {
  it.each(upstreamNormalizedValid)('normalize_test.go valid: %s', (input) => {
    const ref = parseNormalizedReference(input);
    expect(ref.domain).not.toBe('');
  });

  it.each(upstreamNormalizedInvalid.map((s) => [s.length > 60 ? `${s.slice(0, 57)}...` : s, s]))(
    'normalize_test.go invalid: %s',
    (_, input) => {
      expect(() => parseNormalizedReference(input)).toThrow(InvalidReferenceError);
    },
  );

  it.each(upstreamSplitHostname)('normalize_test.go split: $input → $domain + $path', (c) => {
    const ref = parseNormalizedReference(c.input);
    expect([ref.domain, ref.path]).toEqual([c.domain, c.path]);
  });

  it.each(capstanNormalized.map((v) => [label(v), v] as const))('capstan: %s', (_, v) =>
    check(parseNormalizedReference, v),
  );

  it('refuses a bare 64-hex-digit string: it is an image ID', () => {
    const hex = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
    expect((caught(() => parseNormalizedReference(hex)) as InvalidReferenceError).reason).toBe(
      'hex-identifier',
    );
    // 63 digits is an ordinary name (normalize_test.go, TestParseAnyReference).
    expect(parseNormalizedReference(hex.slice(1)).name).toBe(`docker.io/library/${hex.slice(1)}`);
    // With a registry it is a name too.
    expect(parseNormalizedReference(`docker.io/${hex}`).path).toBe(`library/${hex}`);
  });
});
