import { isDigest } from './digest-parse.js';
import {
  AmbiguousImageReferenceError,
  ImageNotFoundError,
  InvalidReferenceError,
} from './errors.js';
import type { ImageRecord } from './image-identity.js';
import { parseDockerRef } from './reference-familiar.js';
import { isHexIdentifier } from './reference-grammar.js';
import { formatReference } from './reference-parse.js';

const ID_PREFIX = /^(?:(?:sha256|sha512):)?[a-f0-9]+$/;

// Stored tags and repo digests are normalized on every lookup; a small cache keeps that
// cheap for the same few strings. Cleared whole when full (no unbounded growth).
const CACHE_LIMIT = 4096;
const normalized = new Map<string, string | null>();

function normalizeStored(stored: string): string | null {
  let value = normalized.get(stored);
  if (value === undefined) {
    try {
      value = formatReference(parseDockerRef(stored));
    } catch (err) {
      if (!(err instanceof InvalidReferenceError)) throw err;
      value = null; // a malformed stored entry never matches
    }
    if (normalized.size >= CACHE_LIMIT) normalized.clear();
    normalized.set(stored, value);
  }
  return value;
}

function byReference<T extends ImageRecord>(
  images: Iterable<T>,
  canonical: string,
  byDigest: boolean,
): T | undefined {
  for (const image of images) {
    const stored = byDigest ? image.repoDigests : image.repoTags;
    for (const s of stored) if (normalizeStored(s) === canonical) return image;
  }
  return undefined;
}

function byIdPrefix<T extends ImageRecord>(images: Iterable<T>, prefix: string): T | undefined {
  const found: T[] = [];
  const hasAlgorithm = prefix.includes(':');
  for (const image of images) {
    const id = image.id;
    const hex = hasAlgorithm ? id : id.slice(id.indexOf(':') + 1);
    if (hex.startsWith(prefix) && !found.some((f) => f.id === id)) found.push(image);
  }
  if (found.length > 1)
    throw new AmbiguousImageReferenceError(
      prefix,
      found.map((f) => f.id),
    );
  return found[0];
}

/**
 * Finds the image a user's reference names, by the rules containerd's CRI and docker
 * share:
 * 1. a full image ID, `sha256:<64 hex>` or the bare 64 hex digits, matches that ID only;
 * 2. otherwise the reference is normalized ({@link parseDockerRef}: `busybox` is
 *    `docker.io/library/busybox:latest`) and compared with each image's tags, or, when it
 *    has a digest, with its repo digests (normalized too; a tag next to a digest is
 *    ignored);
 * 3. failing that, a string of hex digits (optionally `sha256:`-prefixed) is an ID prefix
 *    and matches the one image whose ID starts with it.
 *
 * @returns the image, or `undefined` when none matches.
 * @throws {@link AmbiguousImageReferenceError} when an ID prefix matches several images;
 *   {@link InvalidReferenceError} when `ref` is neither a reference nor an ID prefix.
 */
export function findImage<T extends ImageRecord>(images: Iterable<T>, ref: string): T | undefined {
  // Walked up to twice (reference, then ID prefix): a generator must not run dry.
  const list: readonly T[] = Array.isArray(images) ? images : [...images];
  if (isDigest(ref)) {
    return list.find((image) => image.id === ref);
  }
  if (isHexIdentifier(ref)) {
    const id = `sha256:${ref}`;
    return list.find((image) => image.id === id);
  }
  let parseError: InvalidReferenceError | undefined;
  try {
    const parsed = parseDockerRef(ref);
    const found = byReference(list, formatReference(parsed), parsed.digest !== undefined);
    if (found !== undefined) return found;
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    parseError = err;
  }
  if (ID_PREFIX.test(ref)) return byIdPrefix(list, ref);
  if (parseError !== undefined) throw parseError;
  return undefined;
}

/**
 * Like {@link findImage}, but an image must match.
 *
 * @throws {@link ImageNotFoundError} when none does; otherwise as {@link findImage}.
 */
export function getImage<T extends ImageRecord>(images: Iterable<T>, ref: string): T {
  const image = findImage(images, ref);
  if (image === undefined) throw new ImageNotFoundError(ref);
  return image;
}

/**
 * True when `ref` names this image by the rules of {@link findImage} (its ID, an ID prefix,
 * one of its tags or repo digests).
 *
 * @throws {@link InvalidReferenceError} when `ref` is neither a reference nor an ID prefix.
 */
export function imageMatches(image: ImageRecord, ref: string): boolean {
  return findImage([image], ref) !== undefined;
}
