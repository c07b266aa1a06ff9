import { InvalidDigestError } from './errors.js';

/** The digest algorithms this package computes and verifies (the OCI registered ones). */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A digest string `algorithm:hex`, as produced by {@link parseDigest} and the hash helpers. */
export type Digest = `sha256:${string}` | `sha512:${string}`;

/** A digest split into its parts. */
export interface ParsedDigest {
  /** The hash algorithm. */
  readonly algorithm: DigestAlgorithm;
  /** The lower-case hex encoding of the hash (64 digits for sha256, 128 for sha512). */
  readonly hex: string;
  /** The whole digest, `algorithm:hex`. */
  readonly digest: Digest;
}

/** Hex digits per algorithm. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = {
  sha256: 64,
  sha512: 128,
};

const FAST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

const isLowerAlnum = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
const isAlgorithmSeparator = (c: number) => c === 0x2b || c === 0x2e || c === 0x5f || c === 0x2d; // + . _ -
const isEncodedChar = (c: number) =>
  isLowerAlnum(c) || (c >= 0x41 && c <= 0x5a) || c === 0x3d || c === 0x5f || c === 0x2d; // A-Z = _ -
const isLowerHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);

/**
 * Parses a digest: the OCI descriptor grammar (`algorithm ":" encoded`, algorithm
 * components `[a-z0-9]+` joined by one of `+._-`, encoded `[a-zA-Z0-9=_-]+`), then the
 * rules for the supported algorithms: `sha256` with 64 and `sha512` with 128 lower-case hex
 * digits.
 *
 * @throws {@link InvalidDigestError} with `reason` `invalid-format`, `unsupported-algorithm`,
 *   `invalid-length` or `invalid-hex`, and the `index` of the problem.
 */
export function parseDigest(input: string): ParsedDigest {
  if (FAST.test(input)) {
    const colon = input.indexOf(':');
    return {
      algorithm: input.slice(0, colon) as DigestAlgorithm,
      hex: input.slice(colon + 1),
      digest: input as Digest,
    };
  }
  const colon = input.indexOf(':');
  if (colon < 0) {
    throw new InvalidDigestError(input, 'invalid-format', input.length, 'expected "algorithm:hex"');
  }
  // algorithm := component (separator component)*
  let i = 0;
  for (;;) {
    const start = i;
    while (i < colon && isLowerAlnum(input.charCodeAt(i))) i++;
    if (i === start) {
      throw new InvalidDigestError(
        input,
        'invalid-format',
        i,
        'the algorithm must be lower-case letters and digits joined by one of "+._-"',
      );
    }
    if (i === colon) break;
    if (!isAlgorithmSeparator(input.charCodeAt(i))) {
      throw new InvalidDigestError(
        input,
        'invalid-format',
        i,
        `unexpected ${JSON.stringify(input[i])} in the algorithm`,
      );
    }
    i++;
  }
  const encodedStart = colon + 1;
  if (encodedStart === input.length) {
    throw new InvalidDigestError(
      input,
      'invalid-format',
      encodedStart,
      'the encoded part is empty',
    );
  }
  for (let j = encodedStart; j < input.length; j++) {
    if (!isEncodedChar(input.charCodeAt(j))) {
      throw new InvalidDigestError(
        input,
        'invalid-format',
        j,
        `unexpected ${JSON.stringify(input[j])} in the encoded part`,
      );
    }
  }
  const algorithm = input.slice(0, colon);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new InvalidDigestError(
      input,
      'unsupported-algorithm',
      0,
      `unsupported algorithm ${JSON.stringify(algorithm)} (supported: sha256, sha512)`,
    );
  }
  const want = DIGEST_HEX_LENGTH[algorithm];
  const got = input.length - encodedStart;
  if (got !== want) {
    throw new InvalidDigestError(
      input,
      'invalid-length',
      encodedStart + Math.min(got, want),
      `${algorithm} needs ${want} hex digits, got ${got}`,
    );
  }
  for (let j = encodedStart; j < input.length; j++) {
    if (!isLowerHex(input.charCodeAt(j))) {
      throw new InvalidDigestError(
        input,
        'invalid-hex',
        j,
        `${JSON.stringify(input[j])} is not a lower-case hex digit`,
      );
    }
  }
  // Unreachable: the fast path accepts every input that passes all the checks above.
  return { algorithm, hex: input.slice(encodedStart), digest: input as Digest };
}

/** True when `value` is a valid, supported digest (see {@link parseDigest}). Never throws. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && FAST.test(value);
}
