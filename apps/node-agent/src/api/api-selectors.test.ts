import { describe, expect, it } from 'vitest';
import { parseFieldSelector, parseLabelSelector } from './api-selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/n': '5' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app=web,tier=back', false],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['missing notin (x)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['example.com/n>4', true],
    ['example.com/n<4', false],
    [' app = web , tier in ( front ) ', true],
    ['app=', false],
  ];
  it.each(cases)('%s matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it.each(['app in web', 'app in ()', 'app=web,', '=web', 'app in (a b)', 'bad key!=x', 'app>x'])(
    'rejects %s with a 400',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(expect.objectContaining({ code: 400 }));
    },
  );

  it('treats "in (x,)" as holding the empty value', () => {
    expect(parseLabelSelector('app in (x,)')({ app: '' })).toBe(true);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'status.phase'];
  const fields = { 'metadata.name': 'a,b', 'status.phase': 'Running' };
  it('matches =, == and != terms', () => {
    expect(parseFieldSelector('status.phase=Running', supported)(fields)).toBe(true);
    expect(parseFieldSelector('status.phase==Running,metadata.name!=x', supported)(fields)).toBe(
      true,
    );
    expect(parseFieldSelector('status.phase!=Running', supported)(fields)).toBe(false);
    expect(parseFieldSelector('metadata.name=a\\,b', supported)(fields)).toBe(true);
  });
  it('rejects unsupported fields like the API server', () => {
    expect(() => parseFieldSelector('spec.foo=x', supported)).toThrow(
      'field label not supported: spec.foo',
    );
    expect(() => parseFieldSelector('status.phase', supported)).toThrow(/expected field=value/);
  });
});
