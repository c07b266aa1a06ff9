import { CapstanError } from '@capstan/errdefs';

/**
 * The kinds an {@link ImageIdError} can have (a subset of `@capstan/errdefs`' kinds; a CRI
 * server maps them to gRPC status codes in one place).
 */
export type ImageIdErrorKind = 'invalid-argument' | 'not-found' | 'failed-precondition';

/**
 * The base of every error this package throws. Nothing else escapes its functions: bad
 * input of any shape ends in a subclass of this.
 */
export class ImageIdError extends CapstanError {
  /** How a caller should treat the error (see {@link ImageIdErrorKind}). */
  declare readonly kind: ImageIdErrorKind;
  constructor(kind: ImageIdErrorKind, message: string, options?: ErrorOptions) {
    super(kind, message, options);
  }
}

/** True when `err` is any error this package throws. */
export function isImageIdError(err: unknown): err is ImageIdError {
  return err instanceof ImageIdError;
}

/** What is wrong with an image reference (see {@link InvalidReferenceError}). */
export type ReferenceErrorReason =
  /** The input is the empty string. */
  | 'empty'
  /** Nothing before the `:tag` or `@digest`. */
  | 'missing-name'
  /** The registry host (and port) does not follow the domain grammar. */
  | 'invalid-domain'
  /** A repository path component does not follow the path grammar. */
  | 'invalid-path'
  /** The repository path has upper-case letters (valid once lower-cased). */
  | 'uppercase'
  /** The repository name is longer than 255 characters. */
  | 'name-too-long'
  /** The tag does not match `[\w][\w.-]{0,127}`. */
  | 'invalid-tag'
  /** The digest is malformed or unsupported; `cause` is the {@link InvalidDigestError}. */
  | 'invalid-digest'
  /** A 64-hex-digit string where a repository name was expected (it would read as an ID). */
  | 'hex-identifier';

/** An image reference does not follow the distribution reference grammar. */
export class InvalidReferenceError extends ImageIdError {
  /** The input as given. */
  readonly input: string;
  /** What is wrong. */
  readonly reason: ReferenceErrorReason;
  /** The 0-based position in `input` where the problem was found. */
  readonly index: number;
  constructor(
    input: string,
    reason: ReferenceErrorReason,
    index: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      'invalid-argument',
      `invalid image reference ${JSON.stringify(input)}: ${detail} (at index ${index})`,
      options,
    );
    this.input = input;
    this.reason = reason;
    this.index = index;
  }
}

/** What is wrong with a digest string (see {@link InvalidDigestError}). */
export type DigestErrorReason =
  /** Not `algorithm:encoded` per the OCI descriptor grammar. */
  | 'invalid-format'
  /** Well-formed, but the algorithm is neither `sha256` nor `sha512`. */
  | 'unsupported-algorithm'
  /** The encoded part has the wrong length for the algorithm (64 or 128). */
  | 'invalid-length'
  /** The encoded part is not lower-case hexadecimal. */
  | 'invalid-hex';

/** A digest string is malformed or names an algorithm this package does not support. */
export class InvalidDigestError extends ImageIdError {
  /** The input as given. */
  readonly input: string;
  /** What is wrong. */
  readonly reason: DigestErrorReason;
  /** The 0-based position in `input` where the problem was found. */
  readonly index: number;
  /** What is wrong, in words, without the input and position. */
  readonly detail: string;
  constructor(input: string, reason: DigestErrorReason, index: number, detail: string) {
    super(
      'invalid-argument',
      `invalid digest ${JSON.stringify(input)}: ${detail} (at index ${index})`,
    );
    this.input = input;
    this.reason = reason;
    this.index = index;
    this.detail = detail;
  }
}

/** Content did not hash to the digest it was expected to have. */
export class DigestMismatchError extends ImageIdError {
  /** The digest the content should have had. */
  readonly expected: string;
  /** The digest the content has. */
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super('failed-precondition', `content digest ${actual} does not match expected ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Content was longer or shorter than the size its descriptor declared. */
export class SizeMismatchError extends ImageIdError {
  /** The declared size in bytes. */
  readonly expected: number;
  /** The bytes seen (for an overrun: the count when it was detected). */
  readonly actual: number;
  constructor(expected: number, actual: number) {
    const what = actual > expected ? 'more than' : 'fewer than';
    super(
      'failed-precondition',
      `content size ${actual} is ${what} the expected ${expected} bytes`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A manifest, index or image config is not valid JSON of the expected shape. */
export class InvalidManifestError extends ImageIdError {
  /** Where in the document, as a path like `layers[2].digest` (`''` for the whole). */
  readonly path: string;
  constructor(path: string, detail: string, options?: ErrorOptions) {
    super('invalid-argument', path === '' ? detail : `${path}: ${detail}`, options);
    this.path = path;
  }
}

/** A document's media type is not one this package parses (or contradicts its declaration). */
export class UnsupportedMediaTypeError extends ImageIdError {
  /** The media type found (`''` when none could be determined). */
  readonly mediaType: string;
  constructor(mediaType: string, detail: string) {
    super('invalid-argument', detail);
    this.mediaType = mediaType;
  }
}

/** A platform specifier such as `linux/arm64/v8` cannot be parsed. */
export class InvalidPlatformError extends ImageIdError {
  /** The specifier as given. */
  readonly input: string;
  constructor(input: string, detail: string) {
    super('invalid-argument', `invalid platform ${JSON.stringify(input)}: ${detail}`);
    this.input = input;
  }
}

/** No manifest in an index is usable on the wanted platform. */
export class NoMatchingPlatformError extends ImageIdError {
  /** The wanted platform, formatted as `os/arch[/variant]`. */
  readonly wanted: string;
  /** The platforms the index offers, formatted the same way. */
  readonly available: readonly string[];
  constructor(wanted: string, available: readonly string[]) {
    const offer = available.length === 0 ? 'no platforms' : available.join(', ');
    super('not-found', `no manifest for platform ${wanted}; the index offers ${offer}`);
    this.wanted = wanted;
    this.available = available;
  }
}

/** A value cannot be serialized as canonical JSON. */
export class CanonicalJsonError extends ImageIdError {
  /** Where in the value, as a path like `config.Env[0]` (`''` for the whole). */
  readonly path: string;
  constructor(path: string, detail: string) {
    super('invalid-argument', `cannot encode as canonical JSON at ${path || '(root)'}: ${detail}`);
    this.path = path;
  }
}

/** No image matches a reference, ID or ID prefix. */
export class ImageNotFoundError extends ImageIdError {
  /** The reference as given. */
  readonly reference: string;
  constructor(reference: string) {
    super('not-found', `no image matches ${JSON.stringify(reference)}`);
    this.reference = reference;
  }
}

/** An ID prefix matches more than one image. */
export class AmbiguousImageReferenceError extends ImageIdError {
  /** The prefix as given. */
  readonly reference: string;
  /** The IDs it matches. */
  readonly candidates: readonly string[];
  constructor(reference: string, candidates: readonly string[]) {
    super(
      'invalid-argument',
      `image ID prefix ${JSON.stringify(reference)} is ambiguous: it matches ${candidates.length} images (${candidates.join(', ')})`,
    );
    this.reference = reference;
    this.candidates = candidates;
  }
}
