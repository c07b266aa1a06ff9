import { createHash } from 'node:crypto';
import type { Digest } from './digest-parse.js';
import { InvalidManifestError } from './errors.js';
import {
  asDigest,
  asObject,
  asSize,
  asString,
  type JsonObject,
  joinPath,
  optional,
  optString,
  optStringArray,
  optStringMap,
  required,
} from './json-read.js';
import { isValidMediaType } from './media-types.js';

/** The platform an image runs on, as an index entry or image config declares it. */
export interface Platform {
  /** Operating system, as Go's GOOS (`linux`, `windows`). */
  readonly os: string;
  /** CPU architecture, as Go's GOARCH (`amd64`, `arm64`, `arm`). */
  readonly architecture: string;
  /** CPU variant (`v7` for arm, `v8` for arm64). */
  readonly variant?: string;
  /** Operating system version (`os.version`; Windows builds use it). */
  readonly osVersion?: string;
  /** Required operating system features (`os.features`, such as `win32k`). */
  readonly osFeatures?: readonly string[];
}

/** A content descriptor: what a blob is, its digest and size, as OCI and Docker write them. */
export interface Descriptor {
  /** The media type of the content referred to. */
  readonly mediaType: string;
  /** The digest of the content. */
  readonly digest: Digest;
  /** The size of the content in bytes. */
  readonly size: number;
  /** Other places to download the content from. */
  readonly urls?: readonly string[];
  /** Arbitrary metadata. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The platform of a manifest listed in an index. */
  readonly platform?: Platform;
  /** The artifact type of a manifest listed in an index (OCI 1.1). */
  readonly artifactType?: string;
  /** The content itself, base64-encoded, when embedded (checked against digest and size). */
  readonly data?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a media type field. */
function asMediaType(value: unknown, path: string): string {
  const s = asString(value, path);
  if (!isValidMediaType(s)) {
    throw new InvalidManifestError(path, `${JSON.stringify(s)} is not a type/subtype media type`);
  }
  return s;
}

/** Reads an optional media type member. */
export function optMediaType(o: JsonObject, key: string, path: string): string | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : asMediaType(value, joinPath(path, key));
}

/** Reads a platform object. */
function readPlatform(value: unknown, path: string): Platform {
  const o = asObject(value, path);
  const os = asString(required(o, 'os', path), joinPath(path, 'os'));
  const architecture = asString(required(o, 'architecture', path), joinPath(path, 'architecture'));
  if (os === '') throw new InvalidManifestError(joinPath(path, 'os'), 'must not be empty');
  if (architecture === '') {
    throw new InvalidManifestError(joinPath(path, 'architecture'), 'must not be empty');
  }
  const platform: { -readonly [K in keyof Platform]: Platform[K] } = { os, architecture };
  const variant = optString(o, 'variant', path);
  if (variant !== undefined && variant !== '') platform.variant = variant;
  const osVersion = optString(o, 'os.version', path);
  if (osVersion !== undefined && osVersion !== '') platform.osVersion = osVersion;
  const osFeatures = optStringArray(o, 'os.features', path);
  if (osFeatures !== undefined && osFeatures.length > 0) platform.osFeatures = osFeatures;
  return platform;
}

/** Reads a descriptor object. */
export function readDescriptor(value: unknown, path: string): Descriptor {
  const o = asObject(value, path, 'a descriptor object');
  const mediaType = asMediaType(required(o, 'mediaType', path), joinPath(path, 'mediaType'));
  const digest = asDigest(required(o, 'digest', path), joinPath(path, 'digest'));
  const size = asSize(required(o, 'size', path), joinPath(path, 'size'));
  const d: { -readonly [K in keyof Descriptor]: Descriptor[K] } = { mediaType, digest, size };
  const urls = optStringArray(o, 'urls', path);
  if (urls !== undefined) d.urls = urls;
  const annotations = optStringMap(o, 'annotations', path);
  if (annotations !== undefined) d.annotations = annotations;
  const platform = optional(o, 'platform');
  if (platform !== undefined) d.platform = readPlatform(platform, joinPath(path, 'platform'));
  const artifactType = optMediaType(o, 'artifactType', path);
  if (artifactType !== undefined) d.artifactType = artifactType;
  const data = optString(o, 'data', path);
  if (data !== undefined) {
    const dataPath = joinPath(path, 'data');
    if (!BASE64.test(data)) throw new InvalidManifestError(dataPath, 'is not base64');
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length !== size) {
      throw new InvalidManifestError(
        dataPath,
        `holds ${bytes.length} bytes, the descriptor says ${size}`,
      );
    }
    const [algorithm] = digest.split(':') as [string];
    const actual = `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
    if (actual !== digest) {
      throw new InvalidManifestError(
        dataPath,
        `hashes to ${actual}, the descriptor says ${digest}`,
      );
    }
    d.data = data;
  }
  return d;
}
