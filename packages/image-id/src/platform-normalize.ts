import type { Platform } from './descriptor.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function normalizeArch(architecture: string, variant: string): [string, string] {
  const arch = architecture.toLowerCase();
  let v = variant.toLowerCase();
  switch (arch) {
    case 'i386':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', v === 'v1' ? '' : v];
    case 'aarch64':
    case 'arm64':
      return ['arm64', v === '8' || v === 'v8' ? '' : v];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      return ['arm', v];
    default:
      return [arch, v];
  }
}

/**
 * The canonical form of a platform, as containerd normalizes it: `os` lower-cased (`macos`
 * → `darwin`); `x86_64`/`x86-64` → `amd64` (variant `v1` dropped), `aarch64` → `arm64`
 * (variant `v8` or `8` dropped: v8 is the default), `i386` → `386`, `armhf` → `arm/v7`,
 * `armel` → `arm/v6`, `arm` without variant → `arm/v7`; `osFeatures` sorted and
 * de-duplicated.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const [architecture, variant] = normalizeArch(platform.architecture, platform.variant ?? '');
  const out: Mutable<Platform> = { os: os === 'macos' ? 'darwin' : os, architecture };
  if (variant !== '') out.variant = variant;
  if (platform.osVersion !== undefined && platform.osVersion !== '')
    out.osVersion = platform.osVersion;
  if (platform.osFeatures !== undefined && platform.osFeatures.length > 0) {
    out.osFeatures = [...new Set(platform.osFeatures)].sort();
  }
  return out;
}

/** Formats a platform as `os/architecture[/variant]` (no normalization). */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}
