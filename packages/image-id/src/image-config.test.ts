import { describe, expect, it } from 'vitest';
import { configDigest, configJson } from '../test/fixtures/manifests.js';
import { InvalidManifestError } from './errors.js';
import { parseImageConfig } from './image-config.js';
import { imageIdFromConfig } from './image-identity.js';

const base = JSON.parse(configJson) as Record<string, unknown>;
const json = (v: unknown) => JSON.stringify(v);

describe('parseImageConfig', () => {
  it('reads platform, container defaults, rootfs and history (nulls as absent)', () => {
    const c = parseImageConfig(configJson);
    expect([c.os, c.architecture, c.variant]).toEqual(['linux', 'amd64', undefined]);
    expect(c.config).toEqual({
      user: '1000:1000',
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cmd: ['sh'],
      workingDir: '/',
      labels: { 'org.opencontainers.image.title': 'busybox' },
      exposedPorts: ['80/tcp', '53/udp'],
      stopSignal: 'SIGTERM',
    });
    expect(c.rootfs.diffIds).toHaveLength(1);
    expect(c.history).toEqual([
      { created: '2024-01-02T03:04:05Z', createdBy: 'ADD rootfs.tar /', emptyLayer: false },
    ]);
  });

  it('reads the OCI platform extras', () => {
    const c = parseImageConfig(
      json({
        ...base,
        architecture: 'arm64',
        variant: 'v8',
        'os.version': '1',
        'os.features': ['x'],
      }),
    );
    expect([c.variant, c.osVersion, c.osFeatures]).toEqual(['v8', '1', ['x']]);
  });

  it('has the config digest as image ID', () => {
    expect(imageIdFromConfig(configJson)).toBe(configDigest);
    expect(imageIdFromConfig(new TextEncoder().encode(configJson))).toBe(configDigest);
  });

  it.each([
    ['architecture missing', { ...base, architecture: undefined }, 'architecture'],
    ['os not a string', { ...base, os: 1 }, 'os'],
    ['rootfs missing', { ...base, rootfs: undefined }, 'rootfs'],
    ['rootfs.type wrong', { ...base, rootfs: { type: 'layer', diff_ids: [] } }, 'rootfs.type'],
    ['diff_ids missing', { ...base, rootfs: { type: 'layers' } }, 'rootfs.diff_ids'],
    [
      'diff_id malformed',
      { ...base, rootfs: { type: 'layers', diff_ids: ['sha256:x'] } },
      'rootfs.diff_ids[0]',
    ],
    ['Env entry not a string', { ...base, config: { Env: ['A=1', 2] } }, 'config.Env[1]'],
    ['Labels value not a string', { ...base, config: { Labels: { a: false } } }, 'config.Labels.a'],
    [
      'ExposedPorts not an object',
      { ...base, config: { ExposedPorts: ['80/tcp'] } },
      'config.ExposedPorts',
    ],
    ['history not an array', { ...base, history: {} }, 'history'],
    [
      'empty_layer not a boolean',
      { ...base, history: [{ empty_layer: 'yes' }] },
      'history[0].empty_layer',
    ],
  ])('%s → InvalidManifestError at %j', (_, doc, path) => {
    try {
      parseImageConfig(json(doc));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidManifestError);
      expect((err as InvalidManifestError).path).toBe(path);
    }
  });
});
