import type { Platform } from './descriptor.js';
import { InvalidPlatformError } from './errors.js';
import { normalizePlatform } from './platform-normalize.js';

const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses a platform specifier `os/architecture[/variant]` (`linux/amd64`,
 * `linux/arm/v7`, `linux/aarch64`) into a normalized platform ({@link normalizePlatform}).
 * Unlike containerd, a lone `os` or `architecture` is refused: filling in the other half
 * would depend on the host.
 *
 * @throws {@link InvalidPlatformError}.
 */
export function parsePlatform(specifier: string): Platform {
  const parts = specifier.split('/');
  if (parts.length < 2 || parts.length > 3) {
    throw new InvalidPlatformError(specifier, 'expected os/architecture[/variant]');
  }
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      throw new InvalidPlatformError(
        specifier,
        `component ${JSON.stringify(part)} must match [A-Za-z0-9_.-]+`,
      );
    }
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(
    variant === undefined ? { os, architecture } : { os, architecture, variant },
  );
}

const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/**
 * The platform this Node.js process runs on, in OCI terms (from `process.platform` and
 * `process.arch`; arm's variant from the Node build's `arm_version`), normalized. Node's
 * `ppc64` is little-endian on Linux, hence `ppc64le`.
 */
export function hostPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const architecture = NODE_ARCH[process.arch] ?? process.arch;
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  const variant =
    architecture === 'arm' && typeof armVersion === 'string' ? `v${armVersion}` : undefined;
  return normalizePlatform(
    variant === undefined ? { os, architecture } : { os, architecture, variant },
  );
}
