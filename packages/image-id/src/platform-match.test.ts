import { describe, expect, it } from 'vitest';
import { manifestDigests, ociIndex } from '../test/fixtures/manifests.js';
import type { Descriptor, Platform } from './descriptor.js';
import { InvalidPlatformError, NoMatchingPlatformError } from './errors.js';
import { parseManifest } from './manifest-parse.js';
import {
  compatiblePlatforms,
  matchManifests,
  platformMatcher,
  selectManifest,
} from './platform-match.js';
import { formatPlatform, normalizePlatform } from './platform-normalize.js';
import { hostPlatform, parsePlatform } from './platform-parse.js';

const index = parseManifest(JSON.stringify(ociIndex));
if (index.kind !== 'index') throw new Error('fixture is an index');
const p = (s: string) => parsePlatform(s);
const fmt = (list: readonly Platform[]) => list.map(formatPlatform);
const pick = (wanted: string, strict = false) =>
  manifestDigests.indexOf(selectManifest(index, p(wanted), { strict }).digest);

describe('normalizePlatform', () => {
  it.each([
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/i386', 'linux/386'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.2', 'linux/arm64/v8.2'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['Linux/AMD64', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
    ['linux/riscv64', 'linux/riscv64'],
  ])('%s → %s', (input, expected) => {
    expect(formatPlatform(p(input))).toBe(expected);
  });

  it('sorts and de-duplicates os features', () => {
    expect(
      normalizePlatform({ os: 'windows', architecture: 'amd64', osFeatures: ['b', 'a', 'b'] })
        .osFeatures,
    ).toEqual(['a', 'b']);
  });
});

describe('compatiblePlatforms (containerd platforms.Only)', () => {
  it.each([
    ['linux/amd64', ['linux/amd64', 'linux/386']],
    ['linux/amd64/v3', ['linux/amd64/v3', 'linux/amd64/v2', 'linux/amd64', 'linux/386']],
    ['linux/arm/v7', ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v8', ['linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v6', ['linux/arm/v6', 'linux/arm/v5']],
    ['linux/arm/v5', ['linux/arm/v5']],
    [
      'linux/arm64',
      ['linux/arm64', 'linux/arm/v8', 'linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5'],
    ],
    [
      'linux/arm64/v8.2',
      [
        'linux/arm64/v8.2',
        'linux/arm64/v8.1',
        'linux/arm64',
        'linux/arm/v8',
        'linux/arm/v7',
        'linux/arm/v6',
        'linux/arm/v5',
      ],
    ],
    [
      'linux/arm64/v9.1',
      [
        'linux/arm64/v9.1',
        'linux/arm64/v9',
        'linux/arm64/v8.6',
        'linux/arm64/v8.5',
        'linux/arm64/v8.4',
        'linux/arm64/v8.3',
        'linux/arm64/v8.2',
        'linux/arm64/v8.1',
        'linux/arm64',
        'linux/arm/v8',
        'linux/arm/v7',
        'linux/arm/v6',
        'linux/arm/v5',
      ],
    ],
    ['linux/s390x', ['linux/s390x']],
  ])('%s can run %j', (wanted, expected) => {
    expect(fmt(compatiblePlatforms(p(wanted)))).toEqual(expected);
  });
});

describe('selectManifest', () => {
  it('picks the exact platform, whatever the spelling', () => {
    expect(pick('linux/amd64')).toBe(0);
    expect(pick('linux/x86_64')).toBe(0);
    expect(pick('linux/arm64')).toBe(3); // the index says arm64/v8: v8 is arm64's default
    expect(pick('linux/aarch64')).toBe(3);
    expect(pick('linux/arm/v7')).toBe(2);
    expect(pick('linux/arm')).toBe(2);
    expect(pick('linux/386')).toBe(4);
  });

  it('prefers the exact variant over an older compatible one, whatever the index order', () => {
    expect(pick('linux/arm/v6')).toBe(1);
    const reordered = { manifests: [...index.manifests].reverse() };
    expect(manifestDigests.indexOf(selectManifest(reordered, p('linux/arm/v7')).digest)).toBe(2);
    expect(manifestDigests.indexOf(selectManifest(reordered, p('linux/arm64')).digest)).toBe(3);
  });

  it('falls back in compatibility order', () => {
    const only32 = { manifests: index.manifests.filter((d) => d.platform?.architecture === 'arm') };
    // arm/v8 (a 32-bit userland on ARMv8) runs v7 before v6.
    expect(manifestDigests.indexOf(selectManifest(only32, p('linux/arm/v8')).digest)).toBe(2);
    expect(manifestDigests.indexOf(selectManifest(only32, p('linux/arm64')).digest)).toBe(2);
    const only386 = {
      manifests: index.manifests.filter((d) => d.platform?.architecture === '386'),
    };
    expect(manifestDigests.indexOf(selectManifest(only386, p('linux/amd64')).digest)).toBe(4);
  });

  it('throws NoMatchingPlatformError naming what was wanted and offered', () => {
    try {
      selectManifest(index, p('linux/arm/v5'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NoMatchingPlatformError);
      const e = err as NoMatchingPlatformError;
      expect(e.wanted).toBe('linux/arm/v5');
      expect(e.available).toContain('linux/arm64/v8');
      expect(e.kind).toBe('not-found');
      expect(e.message).toMatch(
        /^no manifest for platform linux\/arm\/v5; the index offers linux\/amd64, /,
      );
    }
    expect(() => selectManifest(index, p('linux/s390x'))).toThrow(NoMatchingPlatformError);
    expect(() => selectManifest({ manifests: [] }, p('linux/amd64'))).toThrow(
      /offers no platforms/,
    );
  });

  it('strict matching refuses the older compatible platforms', () => {
    const only386 = {
      manifests: index.manifests.filter((d) => d.platform?.architecture === '386'),
    };
    expect(() => selectManifest(only386, p('linux/amd64'), { strict: true })).toThrow(
      NoMatchingPlatformError,
    );
    expect(pick('linux/arm64', true)).toBe(3);
  });

  it('ranks entries without a platform last, as containerd does', () => {
    const bare = { ...index.manifests[0], platform: undefined } as unknown as Descriptor;
    const { platform: _, ...noPlatform } = bare;
    const list = { manifests: [noPlatform, index.manifests[4] as Descriptor] };
    expect(matchManifests(list, p('linux/amd64')).map((d) => d.digest)).toEqual([
      manifestDigests[4],
      manifestDigests[0],
    ]);
    expect(selectManifest({ manifests: [noPlatform] }, p('linux/arm64')).digest).toBe(
      manifestDigests[0],
    );
  });

  it('requires the os features an entry needs', () => {
    const needs = { os: 'windows', architecture: 'amd64', osFeatures: ['win32k'] };
    const m = platformMatcher({ os: 'windows', architecture: 'amd64' });
    expect(m.match(needs)).toBe(false);
    expect(platformMatcher({ ...needs, osFeatures: ['win32k', 'x'] }).match(needs)).toBe(true);
    expect(m.match({ os: 'windows', architecture: 'amd64' })).toBe(true);
    expect(m.rank({ os: 'linux', architecture: 'amd64' })).toBe(-1);
  });
});

describe('parsePlatform / hostPlatform', () => {
  it.each(['linux', 'amd64', 'linux/amd64/v2/x', 'linux//amd64', 'linux/amd 64', ''])(
    'refuses %j',
    (s) => {
      expect(() => parsePlatform(s)).toThrow(InvalidPlatformError);
    },
  );

  it('describes the running process', () => {
    const host = hostPlatform();
    expect(host.os).toBe(process.platform === 'win32' ? 'windows' : process.platform);
    expect(host.architecture).not.toBe('x64');
    expect(normalizePlatform(host)).toEqual(host);
  });
});
