import { describe, expect, it } from 'vitest';
import { digestOf } from './digest-compute.js';
import {
  AmbiguousImageReferenceError,
  ImageNotFoundError,
  InvalidDigestError,
  InvalidReferenceError,
} from './errors.js';
import { type ImageRecord, imageRef, repoDigest } from './image-identity.js';
import { findImage, getImage, imageMatches } from './image-lookup.js';

const id = (seed: string) => digestOf(seed);
const M1 = digestOf('manifest-1');
const M2 = digestOf('manifest-2');

const busybox: ImageRecord = {
  id: id('busybox-config'),
  repoTags: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'],
  repoDigests: [`docker.io/library/busybox@${M1}`],
};
// Stored the way docker reports them: familiar names.
const app: ImageRecord = {
  id: id('app-config'),
  repoTags: ['registry.example.com:5000/team/app:v2', 'app:dev'],
  repoDigests: [`registry.example.com:5000/team/app@${M2}`, `app@${M2}`],
};
const untagged: ImageRecord = { id: id('untagged-config'), repoTags: [], repoDigests: [] };
const images = [busybox, app, untagged];

function idHex(image: ImageRecord) {
  return image.id.slice('sha256:'.length);
}

describe('findImage: the CRI lookup rules', () => {
  it('finds by full ID, with or without sha256:', () => {
    expect(findImage(images, untagged.id)).toBe(untagged);
    expect(findImage(images, idHex(untagged))).toBe(untagged);
    expect(findImage(images, digestOf('nothing'))).toBeUndefined();
  });

  it('finds by tag, normalized on both sides, :latest implied', () => {
    expect(findImage(images, 'busybox')).toBe(busybox);
    expect(findImage(images, 'busybox:1.36')).toBe(busybox);
    expect(findImage(images, 'docker.io/busybox:1.36')).toBe(busybox);
    expect(findImage(images, 'index.docker.io/library/busybox')).toBe(busybox);
    expect(findImage(images, 'app:dev')).toBe(app);
    expect(findImage(images, 'docker.io/library/app:dev')).toBe(app);
    expect(findImage(images, 'registry.example.com:5000/team/app:v2')).toBe(app);
    expect(findImage(images, 'busybox:1.35')).toBeUndefined();
    expect(findImage(images, 'app')).toBeUndefined(); // app:latest is not a tag of it
  });

  it('finds by repo digest; a tag next to the digest is ignored', () => {
    expect(findImage(images, `busybox@${M1}`)).toBe(busybox);
    expect(findImage(images, `busybox:whatever@${M1}`)).toBe(busybox);
    expect(findImage(images, `docker.io/library/app@${M2}`)).toBe(app);
    expect(findImage(images, `quay.io/busybox@${M1}`)).toBeUndefined();
  });

  it('finds by unambiguous ID prefix, bare or sha256:-prefixed', () => {
    for (const image of images) {
      expect(findImage(images, idHex(image).slice(0, 12))).toBe(image);
      expect(findImage(images, `sha256:${idHex(image).slice(0, 12)}`)).toBe(image);
    }
    expect(findImage(images, 'ffffffffffff')).toBeUndefined();
  });

  it('throws AmbiguousImageReferenceError for a prefix of several IDs', () => {
    const a = { id: `sha256:abc1${'0'.repeat(60)}`, repoTags: [], repoDigests: [] };
    const b = { id: `sha256:abc2${'0'.repeat(60)}`, repoTags: [], repoDigests: [] };
    expect(findImage([a, b], 'abc1')).toBe(a);
    try {
      findImage([a, b], 'abc');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AmbiguousImageReferenceError);
      expect((err as AmbiguousImageReferenceError).candidates).toEqual([a.id, b.id]);
    }
    // The same image listed twice is not ambiguous.
    expect(findImage([a, a], 'abc')).toBe(a);
  });

  it('prefers a tag over an ID prefix that reads the same', () => {
    const tagged = { id: id('x'), repoTags: ['docker.io/library/abc:latest'], repoDigests: [] };
    const prefixed = { id: `sha256:abc${'0'.repeat(61)}`, repoTags: [], repoDigests: [] };
    expect(findImage([prefixed, tagged], 'abc')).toBe(tagged);
  });

  it('throws InvalidReferenceError for what is neither a reference nor an ID prefix', () => {
    expect(() => findImage(images, 'Not A Reference')).toThrow(InvalidReferenceError);
    expect(() => findImage(images, '')).toThrow(InvalidReferenceError);
  });

  it('skips malformed stored tags instead of failing', () => {
    const odd = {
      id: id('odd'),
      repoTags: ['<none>:<none>', 'odd:1'],
      repoDigests: ['<none>@<none>'],
    };
    expect(findImage([odd], 'odd:1')).toBe(odd);
  });

  it('accepts any iterable, walked once', () => {
    function* gen() {
      yield* images;
    }
    expect(findImage(gen(), idHex(app).slice(0, 10))).toBe(app);
  });

  it('getImage throws ImageNotFoundError; imageMatches answers for one image', () => {
    expect(getImage(images, 'busybox')).toBe(busybox);
    expect(() => getImage(images, 'nginx')).toThrow(ImageNotFoundError);
    expect(imageMatches(busybox, 'busybox:1.36')).toBe(true);
    expect(imageMatches(busybox, idHex(busybox).slice(0, 5))).toBe(true);
    expect(imageMatches(busybox, 'app:dev')).toBe(false);
  });
});

describe('identity', () => {
  it('repoDigest is the repository (tag dropped) at the manifest digest', () => {
    expect(repoDigest('busybox:1.36', M1)).toBe(`docker.io/library/busybox@${M1}`);
    expect(repoDigest('localhost:5000/a/b', M1)).toBe(`localhost:5000/a/b@${M1}`);
    expect(() => repoDigest('busybox', 'sha256:nope')).toThrow(InvalidDigestError);
    expect(() => repoDigest('Busy Box', M1)).toThrow(InvalidReferenceError);
  });

  it('imageRef prefers a repo digest, else the image ID (SIG Node 2016)', () => {
    expect(imageRef(busybox)).toBe(`docker.io/library/busybox@${M1}`);
    expect(imageRef(untagged)).toBe(untagged.id);
  });

  it('imageRef prefers the repo digest of the repository asked for', () => {
    expect(imageRef(app)).toBe(`registry.example.com:5000/team/app@${M2}`);
    expect(imageRef(app, 'app:dev')).toBe(`app@${M2}`);
    expect(imageRef(app, 'registry.example.com:5000/team/app:v2')).toBe(
      `registry.example.com:5000/team/app@${M2}`,
    );
    expect(imageRef(app, 'other/repo')).toBe(`registry.example.com:5000/team/app@${M2}`);
    expect(() => imageRef(untagged, 'Not Valid')).toThrow(InvalidReferenceError);
  });
});
