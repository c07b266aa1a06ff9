import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectManifestMediaType,
  findImage,
  formatReference,
  ImageIdError,
  InvalidDigestError,
  InvalidReferenceError,
  normalizeReference,
  parseDigest,
  parseDockerRef,
  parseImageConfig,
  parseManifest,
  parseNormalizedReference,
  parseReference,
} from '../src/index.js';
import { configJson, dockerList, ociIndex, ociManifest } from './fixtures/manifests.js';

// Random input never makes a parser throw anything but this package's typed errors.
const RUNS = 10_000;

/** Runs `fn`; a thrown value must be an instance of `type`. Returns what it returned or threw. */
function onlyTyped<T>(
  fn: () => T,
  type: abstract new (...args: never[]) => Error = ImageIdError,
): T | Error {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof type)) throw err;
    return err;
  }
}

const hex = fc.string({
  unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
  minLength: 0,
  maxLength: 140,
});
const digestish = fc.oneof(
  fc
    .tuple(fc.constantFrom('sha256', 'sha512', 'sha384', 'SHA256', 'sha256+b64', 'x', ''), hex)
    .map(([a, h]) => `${a}:${h}`),
  fc.string({ unit: 'binary', maxLength: 150 }),
);
const pieces = fc.constantFrom(
  'docker.io',
  'index.docker.io',
  'localhost',
  'localhost:5000',
  'example.com:443',
  '[::1]:5000',
  '[fe80::1%eth0]',
  'Foo',
  'library',
  'busybox',
  'a',
  'my-app',
  'x__y',
  'a.b',
  '-x',
  'x-',
  'UPPER',
  '192.168.0.1',
  '_',
  '',
  'xn--n3h.com',
);
const refish = fc.oneof(
  // Assembled from grammar-shaped pieces, so many inputs parse and many fail late.
  fc
    .tuple(
      fc.array(pieces, { minLength: 1, maxLength: 5 }),
      fc.option(fc.string({ unit: fc.constantFrom(...'abcXYZ019_.-~'), maxLength: 130 })),
      fc.option(digestish),
    )
    .map(
      ([parts, tag, digest]) =>
        `${parts.join('/')}${tag === null ? '' : `:${tag}`}${digest === null ? '' : `@${digest}`}`,
    ),
  // Valid by construction, so the round-trip checks run often.
  fc.stringMatching(
    /^(?:(?:localhost|[a-z0-9]+(?:\.[a-z0-9-]*[a-z0-9])*)(?::[0-9]{1,5})?\/)?(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\/){0,3}[a-z0-9]+(?::\w[\w.-]{0,20})?$/,
  ),
  fc.string({ unit: fc.constantFrom(...'abcAB019._-/:@[]%'), maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('a', '/'), minLength: 230, maxLength: 300 }),
);

describe('fuzz: reference parsers', () => {
  it(`throw only InvalidReferenceError, point inside the input, and round-trip (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(refish, (input) => {
        const raw = onlyTyped(() => parseReference(input), InvalidReferenceError);
        if (raw instanceof InvalidReferenceError) {
          expect(raw.index).toBeGreaterThanOrEqual(0);
          expect(raw.index).toBeLessThanOrEqual(input.length);
        } else if (!(raw instanceof Error)) {
          expect(formatReference(raw)).toBe(input);
        }
        const normalized = onlyTyped(() => parseNormalizedReference(input), InvalidReferenceError);
        if (!(normalized instanceof Error)) {
          expect(parseNormalizedReference(formatReference(normalized))).toEqual(normalized);
          expect(normalized.name.length).toBeLessThanOrEqual(255);
        }
        const docker = onlyTyped(() => parseDockerRef(input), InvalidReferenceError);
        if (!(docker instanceof Error)) {
          expect(normalizeReference(formatReference(docker))).toBe(formatReference(docker));
        }
        onlyTyped(() =>
          findImage(
            [{ id: `sha256:${'a'.repeat(64)}`, repoTags: [input], repoDigests: [input] }],
            input,
          ),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: digest parser', () => {
  it(`throws only InvalidDigestError (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(digestish, (input) => {
        const result = onlyTyped(() => parseDigest(input), InvalidDigestError);
        if (result instanceof InvalidDigestError) {
          expect(result.index).toBeGreaterThanOrEqual(0);
          expect(result.index).toBeLessThanOrEqual(input.length);
        } else if (!(result instanceof Error)) {
          expect(result.digest).toBe(input);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// A valid document with one member replaced by random JSON, somewhere in its tree.
function mutate(base: unknown): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.boolean())
    .map(([at, value, drop]) => {
      const copy = JSON.parse(JSON.stringify(base)) as unknown;
      const slots: [Record<string, unknown>, string][] = [];
      const walk = (v: unknown) => {
        if (typeof v !== 'object' || v === null) return;
        for (const [k, child] of Object.entries(v)) {
          slots.push([v as Record<string, unknown>, k]);
          walk(child);
        }
      };
      walk(copy);
      const slot = slots[at % slots.length];
      if (slot) {
        if (drop) delete slot[0][slot[1]];
        else slot[0][slot[1]] = value;
      }
      return JSON.stringify(copy);
    });
}

const contentTypes = fc.option(
  fc.constantFrom(
    'application/json',
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
    'text/html',
    ';;',
  ),
);
const documents = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => b as Uint8Array | string),
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  mutate(ociManifest),
  mutate(ociIndex),
  mutate(dockerList),
  mutate(JSON.parse(configJson)),
);

describe('fuzz: manifest and config parsers', () => {
  it(`throw only typed errors on random bytes and mutated documents (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(documents, contentTypes, (content, contentType) => {
        const options = contentType === null ? {} : { contentType };
        onlyTyped(() => parseManifest(content, options));
        onlyTyped(() => parseImageConfig(content));
        const doc =
          typeof content === 'string'
            ? onlyTyped(() => JSON.parse(content) as unknown, SyntaxError)
            : undefined;
        if (doc !== undefined && !(doc instanceof SyntaxError)) {
          onlyTyped(() => detectManifestMediaType(doc, contentType ?? undefined));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
