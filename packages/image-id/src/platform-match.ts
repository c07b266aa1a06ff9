import type { Descriptor, Platform } from './descriptor.js';
import { NoMatchingPlatformError } from './errors.js';
import type { ImageIndex } from './manifest-parse.js';
import { formatPlatform, normalizePlatform } from './platform-normalize.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const atoi = (s: string): number | undefined =>
  /^[+-]?[0-9]+$/.test(s) ? Number.parseInt(s, 10) : undefined;

function withVariant(p: Platform, architecture: string, variant: string): Platform {
  const out: Mutable<Platform> = { ...p, architecture };
  if (variant === '') delete out.variant;
  else out.variant = variant;
  return out;
}

function vector(p: Platform): Platform[] {
  const out: Platform[] = [p];
  const variant = p.variant ?? '';
  switch (p.architecture) {
    case 'amd64': {
      const level = atoi(variant.replace(/^v/, ''));
      if (level !== undefined && level > 1) {
        for (let v = level - 1; v >= 1; v--) out.push(withVariant(p, 'amd64', `v${v}`));
      }
      out.push(withVariant(p, '386', ''));
      break;
    }
    case 'arm': {
      const level = atoi(variant.replace(/^v/, ''));
      if (level !== undefined && level > 5) {
        for (let v = level - 1; v >= 5; v--) out.push(withVariant(p, 'arm', `v${v}`));
      }
      break;
    }
    case 'arm64': {
      let v = variant === '' ? 'v8' : variant;
      const dot = v.indexOf('.');
      let major = atoi((dot < 0 ? v : v.slice(0, dot)).replace(/^v/, ''));
      if (major !== undefined && major >= 8) {
        let minor = 0;
        if (v.length === 4 && dot >= 0) minor = atoi(v.slice(dot + 1)) ?? 0;
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--)
            out.push(withVariant(p, 'arm64', m === 0 ? 'v9' : `v9.${m}`));
          // v9.0 diverged from v8.5: v9.x runs v8.(x+5) code.
          minor += 5;
          major = 8;
          out.push(withVariant(p, 'arm64', `v8.${minor}`));
        }
        for (let m = minor - 1; m >= 0; m--) {
          out.push(withVariant(p, 'arm64', m === 0 ? `v${major}` : `v${major}.${m}`));
        }
      }
      if (v.startsWith('v8.') || v.startsWith('v9.')) v = 'v8';
      out.push(...vector(withVariant(p, 'arm', v)));
      break;
    }
  }
  return out;
}

/**
 * The platforms an image for which can run on `platform`, best first, by containerd's
 * rules (`platforms.Only`): the platform itself, then
 * - amd64/vN: amd64/vN-1 … amd64 (v1), then 386;
 * - arm/vN: arm/vN-1 … arm/v5 (arm/v7 runs v6 and v5 code);
 * - arm64 (v8): arm/v8, arm/v7, arm/v6, arm/v5; arm64/v8.N: arm64/v8.N-1 … arm64/v8
 *   first; arm64/v9.N: arm64/v9.N-1 … v9, then arm64/v8.N+5 and down.
 * All entries are normalized ({@link normalizePlatform}).
 */
export function compatiblePlatforms(platform: Platform): Platform[] {
  return vector(normalizePlatform(platform)).map(normalizePlatform);
}

/** Matches candidate platforms against a wanted one; see {@link platformMatcher}. */
export interface PlatformMatcher {
  /** True when an image for `candidate` can run on the wanted platform. */
  match(candidate: Platform): boolean;
  /** How good a match `candidate` is: 0 is exact, higher is worse, -1 is no match. */
  rank(candidate: Platform): number;
}

/** Options of {@link platformMatcher} and {@link selectManifest}. */
export interface PlatformMatchOptions {
  /** Match the wanted platform only, not the older ones it can run (containerd's `OnlyStrict`). */
  readonly strict?: boolean;
}

function sameFeatures(wanted: Platform, candidate: Platform): boolean {
  const need = candidate.osFeatures;
  if (need === undefined) return true;
  const have = new Set(wanted.osFeatures ?? []);
  return need.every((f) => have.has(f));
}

/**
 * A matcher for the wanted platform. A candidate matches when, normalized, its os,
 * architecture and variant equal those of one of {@link compatiblePlatforms} (only the
 * wanted one itself when `strict`), and the os features it requires are a subset of the
 * wanted platform's. `osVersion` is not compared.
 */
export function platformMatcher(
  wanted: Platform,
  options: PlatformMatchOptions = {},
): PlatformMatcher {
  const list = options.strict ? [normalizePlatform(wanted)] : compatiblePlatforms(wanted);
  const rank = (candidate: Platform): number => {
    const c = normalizePlatform(candidate);
    return list.findIndex(
      (w) =>
        w.os === c.os &&
        w.architecture === c.architecture &&
        (w.variant ?? '') === (c.variant ?? '') &&
        sameFeatures(w, c),
    );
  };
  return { rank, match: (candidate) => rank(candidate) >= 0 };
}

/**
 * The manifests of an index that can run on the wanted platform, best first (index order
 * among equals). Entries without a platform come last, as in containerd, which then
 * checks the image config's platform; entries whose platform does not match are left out.
 */
export function matchManifests(
  index: Pick<ImageIndex, 'manifests'>,
  wanted: Platform,
  options: PlatformMatchOptions = {},
): Descriptor[] {
  const matcher = platformMatcher(wanted, options);
  const ranked: { d: Descriptor; rank: number }[] = [];
  for (const d of index.manifests) {
    const rank = d.platform === undefined ? Number.MAX_SAFE_INTEGER : matcher.rank(d.platform);
    if (rank >= 0) ranked.push({ d, rank });
  }
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.d);
}

/**
 * The best manifest of an index for the wanted platform ({@link matchManifests}' first).
 *
 * @throws {@link NoMatchingPlatformError} naming the wanted and the offered platforms.
 */
export function selectManifest(
  index: Pick<ImageIndex, 'manifests'>,
  wanted: Platform,
  options: PlatformMatchOptions = {},
): Descriptor {
  const best = matchManifests(index, wanted, options)[0];
  if (best !== undefined) return best;
  const offered = index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown'));
  throw new NoMatchingPlatformError(formatPlatform(normalizePlatform(wanted)), offered);
}
