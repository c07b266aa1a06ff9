import { describe, expect, it } from 'vitest';
import { credentialsFor, DockerConfigError, parseDockerConfig } from './index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const config = (auths: Record<string, object>) => JSON.stringify({ auths });
const keysFor = (image: string, text: string) =>
  credentialsFor(image, parseDockerConfig(text)).map((c) => c.serverAddress);

describe('parseDockerConfig', () => {
  it('decodes auth into username and password, keeps given ones and tokens', () => {
    const [a, b] = parseDockerConfig(
      config({
        'reg.example.com': { auth: b64('alice:s3cr:et') },
        'other:5000': { username: 'bob', password: 'pw', identitytoken: 'tok' },
      }),
    );
    expect(a).toEqual({
      serverAddress: 'reg.example.com',
      username: 'alice',
      password: 's3cr:et',
      auth: b64('alice:s3cr:et'),
      identityToken: '',
      registryToken: '',
    });
    expect(b).toMatchObject({ username: 'bob', password: 'pw', identityToken: 'tok', auth: '' });
  });

  it('reads the legacy .dockercfg shape and a config without auths', () => {
    const legacy = JSON.stringify({ 'https://index.docker.io/v1/': { auth: b64('u:p') } });
    expect(parseDockerConfig(legacy, 'dockercfg')[0]).toMatchObject({
      username: 'u',
      password: 'p',
    });
    expect(parseDockerConfig('{"credsStore":"x"}')).toEqual([]);
  });

  it.each([
    ['{', 'not-json'],
    ['[]', 'not-an-object'],
    ['{"auths":[]}', 'not-an-object'],
    ['{"auths":{"r":"x"}}', 'bad-entry'],
    ['{"auths":{"r":{"username":1}}}', 'bad-entry'],
    [config({ r: { auth: '***' } }), 'bad-auth'],
    [config({ r: { auth: b64('nocolon') } }), 'bad-auth'],
    [config({ r: { auth: b64(':nouser') } }), 'bad-auth'],
  ])('refuses %s with reason %s', (text, reason) => {
    const err = (() => {
      try {
        parseDockerConfig(text);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DockerConfigError);
    expect((err as DockerConfigError).reason).toBe(reason);
    expect((err as DockerConfigError).kind).toBe('invalid-argument');
  });
});

describe('credentialsFor', () => {
  const text = config({
    'https://index.docker.io/v1/': { auth: b64('hub:1') },
    'reg.example.com': { auth: b64('a:1') },
    'reg.example.com/team': { auth: b64('b:1') },
    'reg.example.com/team/app': { auth: b64('c:1') },
    '*.mirror.example.com': { auth: b64('d:1') },
    '127.0.0.1:5000': { auth: b64('e:1') },
    'http://127.0.0.1:6000/v2/': { auth: b64('f:1') },
  });

  it('matches Docker Hub images to the index.docker.io key', () => {
    expect(keysFor('busybox', text)).toEqual(['https://index.docker.io/v1/']);
    expect(keysFor('docker.io/library/nginx:1', text)).toEqual(['https://index.docker.io/v1/']);
  });

  it('orders path matches most specific first, at path boundaries only', () => {
    expect(keysFor('reg.example.com/team/app:1', text)).toEqual([
      'reg.example.com/team/app',
      'reg.example.com/team',
      'reg.example.com',
    ]);
    expect(keysFor('reg.example.com/teamx/app', text)).toEqual(['reg.example.com']);
    expect(keysFor('REG.example.com/other'.toLowerCase(), text)).toEqual(['reg.example.com']);
  });

  it('matches host globs label by label, and ports exactly', () => {
    expect(keysFor('eu.mirror.example.com/x', text)).toEqual(['*.mirror.example.com']);
    expect(keysFor('a.eu.mirror.example.com/x', text)).toEqual([]);
    expect(keysFor('127.0.0.1:5000/capstan/busybox:1.36', text)).toEqual(['127.0.0.1:5000']);
    expect(keysFor('127.0.0.1:6000/x', text)).toEqual(['http://127.0.0.1:6000/v2/']);
    expect(keysFor('127.0.0.1/x', text)).toEqual([]);
    expect(keysFor('127.0.0.1:5001/x', text)).toEqual([]);
  });

  it('matches nothing for an invalid reference', () => {
    expect(keysFor('Not A Ref', text)).toEqual([]);
  });
});
