import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { type Digest, type DigestAlgorithm, parseDigest } from './digest-parse.js';
import { DigestMismatchError, ImageIdError, SizeMismatchError } from './errors.js';

/** Options of {@link DigestVerifier} and {@link verifyStream}. */
export interface VerifyOptions {
  /**
   * The size the content must have, in bytes (a descriptor's `size`). More bytes fail as
   * soon as they arrive; fewer fail at the end. Leave out to skip the check.
   */
  readonly size?: number;
}

/** What {@link verifyStream} saw. */
export interface VerifiedContent {
  /** The content's digest (equal to the expected one). */
  readonly digest: Digest;
  /** The content's size in bytes. */
  readonly size: number;
}

function checkSize(size: number | undefined): void {
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new ImageIdError('invalid-argument', `expected size ${size} is not a byte count`);
  }
}

/**
 * A pass-through stream that hashes what flows through it and, at the end, fails with
 * {@link DigestMismatchError} when the content does not match the expected digest, or
 * with {@link SizeMismatchError} when an expected size was given and not met. Put it
 * between a download and its destination (`pipeline(body, verifier, file)`): the
 * destination sees every byte, and the pipeline rejects when the content is wrong.
 */
export class DigestVerifier extends Transform {
  /** The digest the content must have. */
  readonly expected: Digest;
  /** The size the content must have, when one was given. */
  readonly expectedSize: number | undefined;
  readonly #algorithm: DigestAlgorithm;
  readonly #hash: Hash;
  #bytes = 0;
  #actual: Digest | undefined;

  /**
   * @param expected The digest the content must have; its algorithm is the one used.
   * @throws {@link InvalidDigestError} when `expected` is not a valid digest;
   *   {@link ImageIdError} when `options.size` is not a non-negative integer.
   */
  constructor(expected: string, options: VerifyOptions = {}) {
    super();
    const parsed = parseDigest(expected);
    checkSize(options.size);
    this.expected = parsed.digest;
    this.expectedSize = options.size;
    this.#algorithm = parsed.algorithm;
    this.#hash = createHash(parsed.algorithm);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The content's digest, once the stream has ended (`undefined` before). */
  get actual(): Digest | undefined {
    return this.#actual;
  }

  /** @internal */
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.expectedSize !== undefined && this.#bytes > this.expectedSize) {
      done(new SizeMismatchError(this.expectedSize, this.#bytes));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  /** @internal */
  override _flush(done: TransformCallback): void {
    if (this.expectedSize !== undefined && this.#bytes !== this.expectedSize) {
      done(new SizeMismatchError(this.expectedSize, this.#bytes));
      return;
    }
    this.#actual = `${this.#algorithm}:${this.#hash.digest('hex')}`;
    done(
      this.#actual === this.expected ? null : new DigestMismatchError(this.expected, this.#actual),
    );
  }
}

/**
 * Reads a stream (or any async iterable of bytes) to its end and checks it against the
 * expected digest and, optionally, size. The size check fails as soon as the content runs
 * over, without reading the rest.
 *
 * @throws {@link InvalidDigestError} when `expected` is not a valid digest;
 *   {@link DigestMismatchError} / {@link SizeMismatchError} when the content is wrong;
 *   and whatever the source itself throws.
 */
export async function verifyStream(
  source: AsyncIterable<Uint8Array | string>,
  expected: string,
  options: VerifyOptions = {},
): Promise<VerifiedContent> {
  const { algorithm, digest } = parseDigest(expected);
  checkSize(options.size);
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (options.size !== undefined && size > options.size) {
      throw new SizeMismatchError(options.size, size);
    }
    hash.update(bytes);
  }
  if (options.size !== undefined && size !== options.size) {
    throw new SizeMismatchError(options.size, size);
  }
  const actual: Digest = `${algorithm}:${hash.digest('hex')}`;
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
  return { digest, size };
}
