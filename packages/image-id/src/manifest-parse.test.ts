import { describe, expect, it } from 'vitest';
import {
  configDigest,
  dockerList,
  dockerManifest,
  layerDigest,
  ociIndex,
  ociManifest,
  ociManifestJson,
} from '../test/fixtures/manifests.js';
import { digestOf } from './digest-compute.js';
import { InvalidManifestError, UnsupportedMediaTypeError } from './errors.js';
import { detectManifestMediaType, parseManifest } from './manifest-parse.js';
import { MediaTypes } from './media-types.js';

const json = (v: unknown) => JSON.stringify(v);
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const without = <T extends object>(o: T, key: string) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

function invalidAt(content: string | Uint8Array, path: string, options = {}): InvalidManifestError {
  try {
    parseManifest(content, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidManifestError);
    expect((err as InvalidManifestError).path).toBe(path);
    return err as InvalidManifestError;
  }
  throw new Error('expected InvalidManifestError');
}

describe('parseManifest: the four document types', () => {
  it('parses an OCI image manifest', () => {
    const m = parseManifest(bytes(ociManifest));
    expect(m.kind).toBe('manifest');
    if (m.kind !== 'manifest') return;
    expect(m.mediaType).toBe(MediaTypes.ociManifest);
    expect(m.config.digest).toBe(configDigest);
    expect(m.layers).toEqual([
      { mediaType: MediaTypes.ociLayerGzip, digest: layerDigest, size: 7 },
    ]);
    expect(m.annotations).toEqual(ociManifest.annotations);
  });

  it('parses a Docker schema 2 manifest', () => {
    const m = parseManifest(json(dockerManifest));
    expect([m.kind, m.mediaType]).toEqual(['manifest', MediaTypes.dockerManifest]);
  });

  it('parses an OCI index with platforms', () => {
    const m = parseManifest(json(ociIndex));
    expect(m.kind).toBe('index');
    if (m.kind !== 'index') return;
    expect(m.manifests).toHaveLength(7);
    expect(m.manifests[3]?.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(m.manifests[5]?.platform).toEqual({
      os: 'windows',
      architecture: 'amd64',
      osVersion: '10.0.17763.1',
    });
    expect(m.manifests[6]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('parses a Docker manifest list', () => {
    const m = parseManifest(json(dockerList));
    expect([m.kind, m.mediaType]).toEqual(['index', MediaTypes.dockerManifestList]);
  });

  it('reads OCI 1.1 artifact fields: artifactType, subject, empty config', () => {
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: 'application/vnd.example.sbom+json',
      config: { mediaType: MediaTypes.ociEmpty, digest: digestOf('{}'), size: 2, data: 'e30=' },
      layers: [{ mediaType: 'application/spdx+json', digest: layerDigest, size: 7 }],
      subject: {
        mediaType: MediaTypes.ociManifest,
        digest: digestOf(ociManifestJson),
        size: ociManifestJson.length,
      },
    };
    const m = parseManifest(json(artifact));
    expect(m.artifactType).toBe('application/vnd.example.sbom+json');
    expect(m.subject?.digest).toBe(digestOf(ociManifestJson));
    expect(m.kind === 'manifest' && m.config.data).toBe('e30=');
  });

  it('ignores unknown fields and reads null optional fields as absent', () => {
    const m = parseManifest(json({ ...ociManifest, annotations: null, futureField: { x: 1 } }));
    expect(m.annotations).toBeUndefined();
    expect('futureField' in m).toBe(false);
  });

  it('keeps a "__proto__" annotation as a plain key', () => {
    const text = json(ociManifest).replace('"org.opencontainers.image.created"', '"__proto__"');
    const m = parseManifest(text);
    expect(Object.getPrototypeOf(m.annotations)).toBe(Object.prototype);
    expect(Object.hasOwn(m.annotations ?? {}, '__proto__')).toBe(true);
  });
});

describe('media type detection', () => {
  const noType = without(ociManifest, 'mediaType');
  const indexNoType = without(ociIndex, 'mediaType');

  it('takes the mediaType field when present', () => {
    expect(detectManifestMediaType(dockerList)).toBe(MediaTypes.dockerManifestList);
  });

  it('falls back to the declared type (Content-Type parameters and case ignored)', () => {
    expect(
      parseManifest(json(noType), {
        contentType: 'application/vnd.docker.distribution.manifest.v2+json',
      }).mediaType,
    ).toBe(MediaTypes.dockerManifest);
    expect(
      parseManifest(json(noType), {
        contentType: 'Application/VND.OCI.Image.Manifest.v1+JSON; charset=utf-8',
      }).mediaType,
    ).toBe(MediaTypes.ociManifest);
  });

  it('falls back to the shape when nothing else says', () => {
    expect(parseManifest(json(noType)).mediaType).toBe(MediaTypes.ociManifest);
    expect(parseManifest(json(indexNoType)).mediaType).toBe(MediaTypes.ociIndex);
    expect(parseManifest(json(indexNoType), { contentType: 'application/json' }).mediaType).toBe(
      MediaTypes.ociIndex,
    );
  });

  it.each([
    ['a document that contradicts its declared type', ociManifest, MediaTypes.dockerManifest],
    ['a declared manifest that looks like an index', indexNoType, MediaTypes.ociManifest],
    ['a declared index that looks like a manifest', noType, MediaTypes.dockerManifestList],
    ['an unknown declared type', noType, 'application/vnd.oci.artifact.manifest.v1+json'],
    [
      'an unknown own type',
      { ...ociManifest, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' },
      undefined,
    ],
    ['Docker schema 1 (fsLayers)', { schemaVersion: 1, fsLayers: [] }, undefined],
    ['Docker schema 1 (declared)', noType, MediaTypes.dockerManifestSchema1Signed],
    ['a document with nothing to go by', { schemaVersion: 2 }, undefined],
  ])('refuses %s with UnsupportedMediaTypeError', (_, doc, contentType) => {
    const options = contentType === undefined ? {} : { contentType };
    expect(() => parseManifest(json(doc), options)).toThrow(UnsupportedMediaTypeError);
  });

  it('refuses an untyped document with both manifests and layers', () => {
    invalidAt(json({ ...noType, manifests: [] }), '');
  });
});

describe('parseManifest: invalid documents name the bad value', () => {
  it.each([
    ['not JSON', '{"schemaVersion": 2,', ''],
    ['JSON but not an object', '[1,2]', ''],
    ['null', 'null', ''],
    ['schemaVersion missing', json(without(ociManifest, 'schemaVersion')), 'schemaVersion'],
    ['schemaVersion 3', json({ ...ociManifest, schemaVersion: 3 }), 'schemaVersion'],
    ['schemaVersion "2"', json({ ...ociManifest, schemaVersion: '2' }), 'schemaVersion'],
    ['mediaType not a string', json({ ...ociManifest, mediaType: 7 }), 'mediaType'],
    ['config missing', json(without(ociManifest, 'config')), 'config'],
    ['layers missing', json(without(ociManifest, 'layers')), 'layers'],
    ['layers not an array', json({ ...ociManifest, layers: {} }), 'layers'],
    ['manifests not an array', json({ ...ociIndex, manifests: 'x' }), 'manifests'],
    ['a descriptor that is not an object', json({ ...ociManifest, layers: [null] }), 'layers[0]'],
    [
      'digest missing',
      json({ ...ociManifest, layers: [{ mediaType: MediaTypes.ociLayer, size: 1 }] }),
      'layers[0].digest',
    ],
    [
      'digest malformed',
      json({ ...ociManifest, config: { ...ociManifest.config, digest: 'sha256:abc' } }),
      'config.digest',
    ],
    [
      'size negative',
      json({ ...ociManifest, config: { ...ociManifest.config, size: -1 } }),
      'config.size',
    ],
    [
      'size fractional',
      json({ ...ociManifest, config: { ...ociManifest.config, size: 1.5 } }),
      'config.size',
    ],
    [
      'size a string',
      json({ ...ociManifest, config: { ...ociManifest.config, size: '12' } }),
      'config.size',
    ],
    [
      'size past 2^53',
      '{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"' +
        configDigest +
        '","size":9007199254740993},"layers":[]}',
      'config.size',
    ],
    [
      'mediaType not type/subtype',
      json({ ...ociManifest, config: { ...ociManifest.config, mediaType: 'json' } }),
      'config.mediaType',
    ],
    [
      'urls not strings',
      json({ ...ociManifest, config: { ...ociManifest.config, urls: [1] } }),
      'config.urls[0]',
    ],
    ['annotation not a string', json({ ...ociManifest, annotations: { a: 1 } }), 'annotations.a'],
    [
      'platform without os',
      json({
        ...ociIndex,
        manifests: [{ ...ociIndex.manifests[0], platform: { architecture: 'amd64' } }],
      }),
      'manifests[0].platform.os',
    ],
    [
      'platform with empty architecture',
      json({
        ...ociIndex,
        manifests: [{ ...ociIndex.manifests[0], platform: { os: 'linux', architecture: '' } }],
      }),
      'manifests[0].platform.architecture',
    ],
    [
      'os.features not strings',
      json({
        ...ociIndex,
        manifests: [
          {
            ...ociIndex.manifests[0],
            platform: { os: 'linux', architecture: 'amd64', 'os.features': [true] },
          },
        ],
      }),
      'manifests[0].platform.os.features[0]',
    ],
    [
      'subject malformed',
      json({ ...ociManifest, subject: { mediaType: MediaTypes.ociManifest } }),
      'subject.digest',
    ],
    ['artifactType malformed', json({ ...ociManifest, artifactType: 'sbom' }), 'artifactType'],
    [
      'data not base64',
      json({ ...ociManifest, config: { ...ociManifest.config, data: 'e30' } }),
      'config.data',
    ],
    [
      'data of the wrong size',
      json({
        ...ociManifest,
        config: { mediaType: MediaTypes.ociEmpty, digest: digestOf('{}'), size: 3, data: 'e30=' },
      }),
      'config.data',
    ],
    [
      'data of the wrong digest',
      json({
        ...ociManifest,
        config: { mediaType: MediaTypes.ociEmpty, digest: digestOf('[]'), size: 2, data: 'e30=' },
      }),
      'config.data',
    ],
  ])('%s → path %j', (_, content, path) => {
    invalidAt(content, path);
  });

  it('refuses bytes that are not UTF-8', () => {
    const e = invalidAt(new Uint8Array([0x7b, 0xff, 0x7d]), '');
    expect(e.message).toMatch(/UTF-8/);
  });

  it('refuses documents over the size limit before parsing them', () => {
    const e = invalidAt(json(ociManifest), '', { maxBytes: 100 });
    expect(e.message).toMatch(/more than the limit of 100/);
    expect(() => parseManifest(' '.repeat(4 * 1024 * 1024 + 1))).toThrow(/more than the limit/);
  });

  it('writes the path into the message', () => {
    const e = invalidAt(json({ ...ociManifest, layers: [{}] }), 'layers[0].mediaType');
    expect(e.message).toBe('layers[0].mediaType: is required');
    expect(e.kind).toBe('invalid-argument');
  });
});
