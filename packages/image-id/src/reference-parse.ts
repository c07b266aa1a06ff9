import { type Digest, parseDigest } from './digest-parse.js';
import { InvalidDigestError, InvalidReferenceError } from './errors.js';
import {
  failsOnlyOnCase,
  firstUpper,
  isHexIdentifier,
  scanDomain,
  scanPath,
  scanTag,
  TAG_MAX_LENGTH,
} from './reference-grammar.js';

/**
 * A parsed image reference: `[domain/]path[:tag][@digest]`. Plain data; turn it back into
 * a string with {@link formatReference} or {@link familiarString}.
 */
export interface Reference {
  /** The registry host with its port (`docker.io`, `localhost:5000`, `[::1]:5000`); `''` when a raw reference has none. */
  readonly domain: string;
  /** The repository path within the registry (`library/busybox`). */
  readonly path: string;
  /** The repository name: `domain/path`, or `path` when there is no domain. */
  readonly name: string;
  /** The tag, when the reference has one. */
  readonly tag?: string;
  /** The digest, when the reference has one. */
  readonly digest?: Digest;
}

/** Longest repository name (`domain/path`), in characters. */
export const NAME_MAX_LENGTH = 255;
/** The registry a familiar name such as `busybox` refers to. */
export const DEFAULT_DOMAIN = 'docker.io';
/** Docker Hub's legacy domain, normalized to {@link DEFAULT_DOMAIN}. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** The namespace of Docker Hub's official images (`busybox` is `library/busybox`). */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** The tag a name without tag or digest stands for. */
export const DEFAULT_TAG = 'latest';

type Mode = 'raw' | 'normalized';

const fail = (
  input: string,
  reason: InvalidReferenceError['reason'],
  index: number,
  detail: string,
  options?: ErrorOptions,
): never => {
  throw new InvalidReferenceError(input, reason, index, detail, options);
};

function looksLikeDomain(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x3a || c === 0x5b) return true; // . : [
  }
  return false;
}

function hasUpper(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

function checkPath(input: string, start: number, end: number): void {
  const bad = scanPath(input, start, end);
  if (bad < 0) return;
  if (failsOnlyOnCase(input, start, end)) {
    fail(input, 'uppercase', firstUpper(input, start, end), 'repository name must be lowercase');
  }
  const what =
    bad >= end || input[bad] === '/'
      ? 'an empty or unfinished path component'
      : `${JSON.stringify(input[bad])} in the repository path`;
  fail(
    input,
    'invalid-path',
    bad,
    `${what} (components are [a-z0-9] runs joined by ".", "_", "__" or "-")`,
  );
}

function checkDomain(input: string, end: number): void {
  const bad = scanDomain(input, 0, end);
  if (bad >= 0) {
    fail(
      input,
      'invalid-domain',
      bad,
      `${JSON.stringify(input.slice(0, end))} is not a valid registry host[:port]`,
    );
  }
}

/** The shared scanner: splits and checks, reporting positions in the original input. */
function scan(input: string, mode: Mode): Reference {
  if (input === '') fail(input, 'empty', 0, 'the reference is empty');
  if (mode === 'normalized' && isHexIdentifier(input)) {
    fail(input, 'hex-identifier', 0, 'a 64-hex-digit string is an image ID, not a repository name');
  }
  const at = input.indexOf('@');
  const nameTagEnd = at < 0 ? input.length : at;
  let nameEnd = nameTagEnd;
  let tagStart = -1;
  if (nameTagEnd > 0) {
    const lastColon = input.lastIndexOf(':', nameTagEnd - 1);
    if (lastColon > input.lastIndexOf('/', nameTagEnd - 1)) {
      nameEnd = lastColon;
      tagStart = lastColon + 1;
    }
  }
  if (nameEnd === 0) fail(input, 'missing-name', 0, 'there is no repository name');

  // Domain and path, each as a range of the input, and the name as it will read.
  let slash = input.indexOf('/');
  if (slash >= nameEnd) slash = -1;
  let domain = '';
  let pathStart = 0;
  let pathPrefix = '';
  if (slash < 0) {
    if (input.charCodeAt(0) === 0x5b) {
      fail(input, 'invalid-domain', nameEnd, 'a registry host must be followed by "/" and a path');
    }
    if (mode === 'normalized') {
      domain = DEFAULT_DOMAIN;
      pathPrefix = OFFICIAL_REPO_PREFIX;
    }
  } else if (mode === 'raw') {
    // The grammar's optional domain is greedy: the first component is the domain
    // whenever it matches the domain grammar; otherwise the whole name is a path.
    if (scanDomain(input, 0, slash) < 0) {
      domain = input.slice(0, slash);
      pathStart = slash + 1;
    } else if (
      scanPath(input, 0, nameEnd) >= 0 &&
      looksLikeDomain(input, slash) &&
      !failsOnlyOnCase(input, 0, nameEnd)
    ) {
      checkDomain(input, slash);
    }
  } else {
    const first = input.slice(0, slash);
    if (first === LEGACY_DEFAULT_DOMAIN) {
      domain = DEFAULT_DOMAIN;
      pathStart = slash + 1;
    } else if (first === 'localhost' || looksLikeDomain(input, slash) || hasUpper(input, slash)) {
      // Unlike the Go library, a first component that is meant as a registry but is not a
      // valid host is an error, never silently read as a path: a normalized reference
      // always names its registry.
      if (scanDomain(input, 0, slash) >= 0) {
        if (!looksLikeDomain(input, slash) && failsOnlyOnCase(input, 0, slash)) {
          fail(
            input,
            'uppercase',
            firstUpper(input, 0, slash),
            'repository name must be lowercase',
          );
        }
        checkDomain(input, slash);
      }
      domain = first;
      pathStart = slash + 1;
    } else {
      // "docker/migrator": the whole name is a path on Docker Hub.
      domain = DEFAULT_DOMAIN;
    }
    const nextSlash = input.indexOf('/', pathStart);
    if (domain === DEFAULT_DOMAIN && (nextSlash < 0 || nextSlash >= nameEnd)) {
      pathPrefix = OFFICIAL_REPO_PREFIX;
    }
  }
  checkPath(input, pathStart, nameEnd);
  const path = pathPrefix + input.slice(pathStart, nameEnd);
  const name = domain === '' ? path : `${domain}/${path}`;
  if (name.length > NAME_MAX_LENGTH) {
    const added = name.length - nameEnd;
    fail(
      input,
      'name-too-long',
      Math.max(0, Math.min(nameEnd, NAME_MAX_LENGTH - added)),
      `the repository name ${JSON.stringify(name.slice(0, 40))}... has ${name.length} characters (at most ${NAME_MAX_LENGTH})`,
    );
  }

  let tag: string | undefined;
  if (tagStart >= 0) {
    const bad = scanTag(input, tagStart, nameTagEnd);
    if (bad >= 0) {
      const detail =
        bad === tagStart + TAG_MAX_LENGTH
          ? `the tag is longer than ${TAG_MAX_LENGTH} characters`
          : bad >= nameTagEnd
            ? 'the tag is empty'
            : `${JSON.stringify(input[bad])} in the tag (tags match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`;
      fail(input, 'invalid-tag', bad, detail);
    }
    tag = input.slice(tagStart, nameTagEnd);
  }

  let digest: Digest | undefined;
  if (at >= 0) {
    try {
      digest = parseDigest(input.slice(at + 1)).digest;
    } catch (err) {
      if (!(err instanceof InvalidDigestError)) throw err;
      fail(input, 'invalid-digest', at + 1 + err.index, `bad digest: ${err.detail}`, {
        cause: err,
      });
    }
  }
  return build(domain, path, name, tag, digest);
}

function build(
  domain: string,
  path: string,
  name: string,
  tag: string | undefined,
  digest: Digest | undefined,
): Reference {
  if (tag === undefined)
    return digest === undefined ? { domain, path, name } : { domain, path, name, digest };
  return digest === undefined ? { domain, path, name, tag } : { domain, path, name, tag, digest };
}

/**
 * Parses a reference exactly as written, with the distribution reference grammar and no
 * normalization (Go's `reference.Parse`): `busybox` has no domain, and a first path
 * component that fits the domain grammar is the domain (`foo/bar` has domain `foo`).
 * Use {@link parseNormalizedReference} or {@link parseDockerRef} for what users type.
 *
 * @throws {@link InvalidReferenceError} saying what is wrong (`reason`) and where (`index`).
 */
export function parseReference(input: string): Reference {
  return scan(input, 'raw');
}

/**
 * Parses a reference as users write it and returns its full form (Go's
 * `reference.ParseNormalizedNamed`): a name without a registry is on Docker Hub
 * (`docker.io`), and a one-component Docker Hub name is an official image
 * (`busybox` → `docker.io/library/busybox`). The first component is a registry when it
 * is `localhost`, contains `.` or `:`, or has upper-case letters; `index.docker.io`
 * becomes `docker.io`. Tag and digest are kept as given; no default tag is added.
 *
 * @throws {@link InvalidReferenceError}; also for a 64-hex-digit string (`hex-identifier`),
 *   which is an image ID, and for a first component that is meant as a registry but is not
 *   a valid host (the Go library would read `foo_bar.com/app` as a path without registry).
 */
export function parseNormalizedReference(input: string): Reference {
  return scan(input, 'normalized');
}

/** Formats a reference: `name[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  let s = ref.name;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}
