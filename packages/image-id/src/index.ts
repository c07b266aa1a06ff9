/**
 * @capstan/image-id — container image references, digests, manifests and canonical image
 * identity for Node. Pure functions over strings and bytes; no I/O, no network.
 *
 * - References: {@link parseReference} (the distribution grammar as written),
 *   {@link parseNormalizedReference} / {@link parseDockerRef} (what users type:
 *   `busybox` → `docker.io/library/busybox:latest`), {@link familiarString} (and back).
 * - Digests: {@link parseDigest}, {@link digestOf}, {@link canonicalJson} /
 *   {@link canonicalDigest}, {@link verifyDigest}, and the streaming {@link DigestVerifier}.
 * - Manifests: {@link parseManifest} (OCI manifest and index, Docker schema 2 manifest and
 *   list), {@link parseImageConfig}, {@link selectManifest} with containerd's platform rules.
 * - Identity: {@link imageIdFromConfig}, {@link repoDigest}, {@link imageRef} (repo digest
 *   first, else image ID), and the CRI lookup rules in {@link findImage}.
 * - Every failure is a typed {@link ImageIdError} saying what is wrong and where.
 *
 * @packageDocumentation
 */

export { canonicalJson, type JsonValue } from './canonical-json.js';
export type { Descriptor, Platform } from './descriptor.js';
export { canonicalDigest, digestOf, verifyDigest } from './digest-compute.js';
export {
  DIGEST_HEX_LENGTH,
  type Digest,
  type DigestAlgorithm,
  isDigest,
  type ParsedDigest,
  parseDigest,
} from './digest-parse.js';
export {
  DigestVerifier,
  type VerifiedContent,
  type VerifyOptions,
  verifyStream,
} from './digest-verify.js';
export {
  AmbiguousImageReferenceError,
  CanonicalJsonError,
  type DigestErrorReason,
  DigestMismatchError,
  ImageIdError,
  type ImageIdErrorKind,
  ImageNotFoundError,
  InvalidDigestError,
  InvalidManifestError,
  InvalidPlatformError,
  InvalidReferenceError,
  isImageIdError,
  NoMatchingPlatformError,
  type ReferenceErrorReason,
  SizeMismatchError,
  UnsupportedMediaTypeError,
} from './errors.js';
export {
  type ContainerConfig,
  type HistoryEntry,
  type ImageConfig,
  parseImageConfig,
} from './image-config.js';
export { type ImageRecord, imageIdFromConfig, imageRef, repoDigest } from './image-identity.js';
export { findImage, getImage, imageMatches } from './image-lookup.js';
export {
  detectManifestMediaType,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
  type ParseManifestOptions,
  parseManifest,
} from './manifest-parse.js';
export {
  type IndexMediaType,
  isConfigMediaType,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
  isValidMediaType,
  type ManifestMediaType,
  MediaTypes,
  mediaTypeOfContentType,
} from './media-types.js';
export {
  compatiblePlatforms,
  matchManifests,
  type PlatformMatcher,
  type PlatformMatchOptions,
  platformMatcher,
  selectManifest,
} from './platform-match.js';
export { formatPlatform, normalizePlatform } from './platform-normalize.js';
export { hostPlatform, parsePlatform } from './platform-parse.js';
export {
  familiarName,
  familiarString,
  normalizeReference,
  parseDockerRef,
  withDigest,
  withoutTagOrDigest,
  withTag,
} from './reference-familiar.js';
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  formatReference,
  LEGACY_DEFAULT_DOMAIN,
  NAME_MAX_LENGTH,
  OFFICIAL_REPO_PREFIX,
  parseNormalizedReference,
  parseReference,
  type Reference,
} from './reference-parse.js';
export {
  credentialsFor,
  DockerConfigError,
  type DockerConfigErrorReason,
  type DockerConfigFormat,
  parseDockerConfig,
  type RegistryCredential,
} from './registry-credentials.js';
