import { parseDigest } from './digest-parse.js';
import { InvalidReferenceError } from './errors.js';
import { scanTag } from './reference-grammar.js';
import {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  formatReference,
  OFFICIAL_REPO_PREFIX,
  parseNormalizedReference,
  type Reference,
} from './reference-parse.js';

/**
 * Parses a reference the way docker and containerd resolve an image to pull or run (Go's
 * `reference.ParseDockerRef`): normalized as by {@link parseNormalizedReference}, then
 * - a name with neither tag nor digest gets the tag `latest`;
 * - a reference with both tag and digest keeps only the digest, which is what is pulled.
 *
 * `busybox` → `docker.io/library/busybox:latest`;
 * `gcr.io/x/y:1@sha256:…` → `gcr.io/x/y@sha256:…`.
 *
 * @throws {@link InvalidReferenceError}.
 */
export function parseDockerRef(input: string): Reference {
  const ref = parseNormalizedReference(input);
  if (ref.digest !== undefined) {
    return ref.tag === undefined
      ? ref
      : { domain: ref.domain, path: ref.path, name: ref.name, digest: ref.digest };
  }
  return ref.tag === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/**
 * The full, canonical string of what users type: {@link parseDockerRef} then
 * {@link formatReference}. `busybox` → `docker.io/library/busybox:latest`.
 *
 * @throws {@link InvalidReferenceError}.
 */
export function normalizeReference(input: string): string {
  return formatReference(parseDockerRef(input));
}

/**
 * The short name users know: the Docker Hub domain and its `library/` namespace left out
 * (`docker.io/library/redis` → `redis`, `docker.io/dmcgowan/myapp` → `dmcgowan/myapp`);
 * other registries' names are unchanged. No tag or digest.
 */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return ref.name;
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/**
 * The short string users know: {@link familiarName} with the tag and digest as the
 * reference has them (`docker.io/library/busybox:latest` → `busybox:latest`).
 */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/**
 * The same repository with another tag (a digest, if any, is kept).
 *
 * @throws {@link InvalidReferenceError} (`invalid-tag`) when `tag` breaks the tag grammar.
 */
export function withTag(ref: Reference, tag: string): Reference {
  const bad = scanTag(tag, 0, tag.length);
  if (bad >= 0) {
    const input = `${ref.name}:${tag}`;
    throw new InvalidReferenceError(
      input,
      'invalid-tag',
      ref.name.length + 1 + bad,
      `${JSON.stringify(tag)} is not a valid tag (tags match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`,
    );
  }
  return { ...ref, tag };
}

/**
 * The same repository pinned to a digest (a tag, if any, is kept).
 *
 * @throws {@link InvalidDigestError} when `digest` is not a valid, supported digest.
 */
export function withDigest(ref: Reference, digest: string): Reference {
  return { ...ref, digest: parseDigest(digest).digest };
}

/** The repository alone: the reference without its tag and digest. */
export function withoutTagOrDigest(ref: Reference): Reference {
  return { domain: ref.domain, path: ref.path, name: ref.name };
}
