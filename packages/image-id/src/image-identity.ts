import { digestOf } from './digest-compute.js';
import { type Digest, parseDigest } from './digest-parse.js';
import { InvalidReferenceError } from './errors.js';
import { parseNormalizedReference, type Reference } from './reference-parse.js';

/**
 * What this package needs to know of a stored image: the fields of a CRI `Image`.
 */
export interface ImageRecord {
  /** The image ID: the digest of the config blob (`sha256:<64 hex>`). */
  readonly id: string;
  /** The tags it is known by (`docker.io/library/busybox:latest`, or familiar `busybox:latest`). */
  readonly repoTags: readonly string[];
  /** Its repo digests, `repository@manifest-digest`. */
  readonly repoDigests: readonly string[];
}

/**
 * The image ID of an image: the sha256 digest of its config blob, byte for byte as
 * stored (equal to the manifest's `config.digest` when the blob verifies). It names the
 * image's content, config and layers, whatever registry, tag or manifest it came by.
 */
export function imageIdFromConfig(config: Uint8Array | string): Digest {
  return digestOf(config, 'sha256');
}

/**
 * A repo digest: the repository's full name (tag dropped) and the digest of the manifest
 * it was pulled by, `docker.io/library/busybox@sha256:…`. The name may be given as users
 * write it (`busybox:1.36`) or as a parsed reference (used as is).
 *
 * @throws {@link InvalidReferenceError} / {@link InvalidDigestError} for bad input.
 */
export function repoDigest(name: string | Reference, manifestDigest: string): string {
  const repo = typeof name === 'string' ? parseNormalizedReference(name).name : name.name;
  return `${repo}@${parseDigest(manifestDigest).digest}`;
}

function repositoryOf(stored: string): string | undefined {
  try {
    return parseNormalizedReference(stored).name;
  } catch (err) {
    if (err instanceof InvalidReferenceError) return undefined;
    throw err;
  }
}

/**
 * The reference that says exactly which image is running (a CRI `imageRef`, the pod's
 * `ContainerStatus.imageID`): a repo digest when the image has one, which can be pulled
 * anywhere and names the manifest, else the image ID (the rule SIG Node settled on in
 * 2016: "RepoDigest is the preferred ImageID when present"). With `requested`, the
 * reference the container was created from, the repo digest of that repository is
 * preferred; otherwise the first one. Repo digests are returned as stored.
 *
 * @throws {@link InvalidReferenceError} when `requested` is given and invalid.
 */
export function imageRef(image: ImageRecord, requested?: string): string {
  const want = requested === undefined ? undefined : parseNormalizedReference(requested).name;
  if (want !== undefined && image.repoDigests.length > 1) {
    const same = image.repoDigests.find((rd) => repositoryOf(rd) === want);
    if (same !== undefined) return same;
  }
  return image.repoDigests[0] ?? image.id;
}
