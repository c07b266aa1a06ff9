import { InvalidArgumentError } from '@capstan/errdefs';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from './endpoint.js';

describe('parseEndpoint', () => {
  it.each([
    [
      'unix:///run/containerd/containerd.sock',
      { kind: 'unix', path: '/run/containerd/containerd.sock' },
    ],
    ['unix:/run/x.sock', { kind: 'unix', path: '/run/x.sock' }],
    ['/run/x.sock', { kind: 'unix', path: '/run/x.sock', uri: 'unix:///run/x.sock' }],
    ['127.0.0.1:1234', { kind: 'tcp', host: '127.0.0.1', port: 1234, uri: '127.0.0.1:1234' }],
    ['tcp://localhost:80', { kind: 'tcp', host: 'localhost', port: 80 }],
    ['[::1]:9000', { kind: 'tcp', host: '::1', port: 9000 }],
  ])('%s', (input, expected) => {
    expect(parseEndpoint(input)).toMatchObject(expected);
  });

  it.each([
    '',
    'unix://relative.sock',
    'localhost',
    'localhost:99999',
    'http://x:1',
    `/${'a'.repeat(120)}.sock`,
  ])('rejects %j', (input) => {
    expect(() => parseEndpoint(input)).toThrow(InvalidArgumentError);
  });
});
