import { type Descriptor, optMediaType, readDescriptor } from './descriptor.js';
import { InvalidManifestError, UnsupportedMediaTypeError } from './errors.js';
import {
  asArray,
  asObject,
  DEFAULT_MAX_DOCUMENT_BYTES,
  decodeJson,
  type JsonObject,
  optional,
  optStringMap,
  required,
} from './json-read.js';
import {
  type IndexMediaType,
  isIndexMediaType,
  isManifestMediaType,
  type ManifestMediaType,
  MediaTypes,
  mediaTypeOfContentType,
} from './media-types.js';

/** Fields an OCI image manifest and an OCI image index share (OCI 1.1). */
interface DocumentCommon {
  /** Always 2. */
  readonly schemaVersion: 2;
  /** The artifact type, when the document describes an artifact rather than an image. */
  readonly artifactType?: string;
  /** The manifest this one refers to (signatures, SBOMs: the referrers API). */
  readonly subject?: Descriptor;
  /** Arbitrary metadata. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An image manifest: OCI image manifest or Docker schema 2 manifest. */
export interface ImageManifest extends DocumentCommon {
  /** Tells the two kinds of {@link Manifest} apart. */
  readonly kind: 'manifest';
  /** The document's media type (from the document, the declared type, or its shape). */
  readonly mediaType: ManifestMediaType;
  /** The image config blob; its digest is the image ID. */
  readonly config: Descriptor;
  /** The layers, base layer first. */
  readonly layers: readonly Descriptor[];
}

/** An image index: OCI image index or Docker manifest list. */
export interface ImageIndex extends DocumentCommon {
  /** Tells the two kinds of {@link Manifest} apart. */
  readonly kind: 'index';
  /** The document's media type (from the document, the declared type, or its shape). */
  readonly mediaType: IndexMediaType;
  /** The manifests, usually one per platform. */
  readonly manifests: readonly Descriptor[];
}

/** What {@link parseManifest} returns. */
export type Manifest = ImageManifest | ImageIndex;

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /**
   * The media type the document was declared with: the HTTP `Content-Type` of a registry
   * response, or the `mediaType` of the descriptor that pointed to it. Used when the
   * document has no `mediaType` field, and checked against it when it has one.
   */
  readonly contentType?: string;
  /** Refuse documents larger than this many bytes (default 4 MiB, as registries do). */
  readonly maxBytes?: number;
}

// Declared types that say nothing about the document (a registry or file store's default).
const GENERIC = new Set(['', 'application/json', 'application/octet-stream', 'text/plain']);

const SCHEMA1 = new Set<string>([
  MediaTypes.dockerManifestSchema1,
  MediaTypes.dockerManifestSchema1Signed,
]);

function schema1(mediaType: string): never {
  throw new UnsupportedMediaTypeError(
    mediaType,
    'Docker image manifest schema 1 is deprecated and not supported; push the image again with a current client',
  );
}

/**
 * Tells what kind of document a parsed manifest JSON is, by these rules:
 * 1. A document with `fsLayers` or `schemaVersion` 1, or declared as schema 1, is Docker
 *    schema 1: unsupported.
 * 2. A document with a `mediaType` field has that type; it must be one of the four
 *    manifest and index types, and must equal the declared type when that is one of them.
 * 3. Without the field, a declared manifest or index type is used, provided the shape
 *    agrees (an index has no `config` or `layers`, a manifest no `manifests`), as
 *    containerd checks.
 * 4. Without either, the shape decides: `manifests` makes an OCI image index, `config`
 *    or `layers` an OCI image manifest (OCI's `mediaType` is only SHOULD; Docker's is
 *    required, so a Docker document always names itself).
 * Generic declared types (`application/json`, `application/octet-stream`, none) are ignored.
 *
 * @throws {@link UnsupportedMediaTypeError} for other or contradicting types;
 *   {@link InvalidManifestError} when the document is not an object or its shape is
 *   ambiguous.
 */
export function detectManifestMediaType(
  document: unknown,
  contentType?: string,
): ManifestMediaType | IndexMediaType {
  const doc = asObject(document, '', 'a JSON object');
  const declared = contentType === undefined ? '' : mediaTypeOfContentType(contentType);
  if (Object.hasOwn(doc, 'fsLayers') || doc.schemaVersion === 1 || SCHEMA1.has(declared)) {
    schema1(SCHEMA1.has(declared) ? declared : MediaTypes.dockerManifestSchema1);
  }
  const hasManifests = optional(doc, 'manifests') !== undefined;
  const hasImageParts =
    optional(doc, 'config') !== undefined || optional(doc, 'layers') !== undefined;
  const own = optMediaType(doc, 'mediaType', '');
  const known = (t: string) => isManifestMediaType(t) || isIndexMediaType(t);
  if (own !== undefined) {
    if (!known(own)) {
      throw new UnsupportedMediaTypeError(
        own,
        `media type ${own} is not an image manifest or index`,
      );
    }
    if (known(declared) && declared !== own) {
      throw new UnsupportedMediaTypeError(
        own,
        `the document says it is ${own} but was declared as ${declared}`,
      );
    }
    return own;
  }
  if (known(declared)) {
    if (isManifestMediaType(declared) && hasManifests) {
      throw new UnsupportedMediaTypeError(
        declared,
        `declared as ${declared} but the document has "manifests", like an index`,
      );
    }
    if (isIndexMediaType(declared) && hasImageParts) {
      throw new UnsupportedMediaTypeError(
        declared,
        `declared as ${declared} but the document has "config" or "layers", like a manifest`,
      );
    }
    return declared as ManifestMediaType | IndexMediaType;
  }
  if (!GENERIC.has(declared)) {
    throw new UnsupportedMediaTypeError(
      declared,
      `media type ${declared} is not an image manifest or index`,
    );
  }
  if (hasManifests && hasImageParts) {
    throw new InvalidManifestError(
      '',
      'the document has both "manifests" and "config"/"layers" and no mediaType: cannot tell an index from a manifest',
    );
  }
  if (hasManifests) return MediaTypes.ociIndex;
  if (hasImageParts) return MediaTypes.ociManifest;
  throw new UnsupportedMediaTypeError(
    '',
    'the document has no mediaType, "manifests", "config" or "layers": not an image manifest or index',
  );
}

function readCommon(doc: JsonObject): { -readonly [K in keyof DocumentCommon]: DocumentCommon[K] } {
  const version = required(doc, 'schemaVersion', '');
  if (version !== 2) {
    throw new InvalidManifestError('schemaVersion', `must be 2, got ${JSON.stringify(version)}`);
  }
  const common: { -readonly [K in keyof DocumentCommon]: DocumentCommon[K] } = { schemaVersion: 2 };
  const artifactType = optMediaType(doc, 'artifactType', '');
  if (artifactType !== undefined) common.artifactType = artifactType;
  const subject = optional(doc, 'subject');
  if (subject !== undefined) common.subject = readDescriptor(subject, 'subject');
  const annotations = optStringMap(doc, 'annotations', '');
  if (annotations !== undefined) common.annotations = annotations;
  return common;
}

const readDescriptors = (value: unknown, path: string): Descriptor[] =>
  asArray(value, path).map((item, i) => readDescriptor(item, `${path}[${i}]`));

/**
 * Parses and validates an image manifest or index from its bytes (or text): an OCI image
 * manifest, an OCI image index, a Docker schema 2 manifest or a Docker manifest list. The
 * media type is found by {@link detectManifestMediaType}. Every descriptor is checked
 * (media type syntax, digest, size, embedded data); unknown fields are ignored, as the
 * specifications require.
 *
 * @throws {@link InvalidManifestError} (with the `path` of the bad value) for bytes that
 *   are not UTF-8 JSON, too large, or of the wrong shape; {@link UnsupportedMediaTypeError}
 *   for other documents (Docker schema 1, artifacts manifests, contradicting types).
 */
export function parseManifest(
  content: Uint8Array | string,
  options: ParseManifestOptions = {},
): Manifest {
  const doc = decodeJson(content, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, 'the manifest');
  const mediaType = detectManifestMediaType(doc, options.contentType);
  const o = doc as JsonObject;
  const common = readCommon(o);
  if (isIndexMediaType(mediaType)) {
    return {
      kind: 'index',
      mediaType,
      ...common,
      manifests: readDescriptors(required(o, 'manifests', ''), 'manifests'),
    };
  }
  const config = readDescriptor(required(o, 'config', ''), 'config');
  const layers = readDescriptors(required(o, 'layers', ''), 'layers');
  return { kind: 'manifest', mediaType, ...common, config, layers };
}
