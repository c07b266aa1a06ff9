import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { registryAuth, toCriImage } from './image-refs.js';

describe('registryAuth', () => {
  it('decodes a base64 user:password and names the registry', () => {
    const auth = Buffer.from('alice:s3:cret').toString('base64');
    expect(registryAuth({ auth }, 'r.example:5000')).toEqual({
      serveraddress: 'r.example:5000',
      username: 'alice',
      password: 's3:cret',
    });
    expect(registryAuth({ identityToken: 't' }, 'r')).toEqual({
      serveraddress: 'r',
      identitytoken: 't',
    });
    expect(registryAuth(undefined, 'r')).toBeUndefined();
    expect(() => registryAuth({ auth: Buffer.from('nocolon').toString('base64') }, 'r')).toThrow(
      /user:password/,
    );
  });
});

describe('toCriImage', () => {
  it('normalizes tags and digests, reads a numeric user as uid, and pins the pause image', () => {
    const info = {
      Id: 'sha256:abc',
      RepoTags: ['busybox:1.36', '<none>:<none>'],
      RepoDigests: [`busybox@sha256:${'1'.repeat(64)}`],
      Size: 1234,
      Config: { User: '1000:1000' },
    } as unknown as Docker.ImageInspectInfo;
    expect(toCriImage(info, ['docker.io/library/busybox:1.36'])).toEqual({
      id: 'sha256:abc',
      repoTags: ['docker.io/library/busybox:1.36'],
      repoDigests: [`docker.io/library/busybox@sha256:${'1'.repeat(64)}`],
      size: 1234n,
      uid: { value: 1000n },
      username: '',
      spec: { image: 'sha256:abc' },
      pinned: true,
    });
  });
});
