import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import type { Digest, DigestAlgorithm } from './digest-parse.js';
import { parseDigest } from './digest-parse.js';
import { DigestMismatchError } from './errors.js';

/**
 * The digest of some content: the bytes as given, or a string's UTF-8 encoding.
 *
 * @param algorithm `sha256` (the default, and what OCI content uses) or `sha512`.
 */
export function digestOf(
  content: Uint8Array | string,
  algorithm: DigestAlgorithm = 'sha256',
): Digest {
  const hash = createHash(algorithm);
  hash.update(content);
  return `${algorithm}:${hash.digest('hex')}`;
}

/**
 * The digest of a value's {@link canonicalJson} encoding (UTF-8), so equal data yields
 * an equal digest however its keys were ordered.
 *
 * @throws {@link CanonicalJsonError} when the value is not JSON data.
 */
export function canonicalDigest(value: JsonValue, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return digestOf(canonicalJson(value), algorithm);
}

/**
 * Checks content against the digest it should have, computing with that digest's
 * algorithm.
 *
 * @throws {@link InvalidDigestError} when `expected` is not a valid digest;
 *   {@link DigestMismatchError} when the content does not match it.
 */
export function verifyDigest(content: Uint8Array | string, expected: string): void {
  const { algorithm, digest } = parseDigest(expected);
  const actual = digestOf(content, algorithm);
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
}
