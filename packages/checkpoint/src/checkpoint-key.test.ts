import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from './checkpoint-errors.js';
import { isValidKey, keyProblem, MAX_KEY_BYTES, validateKey } from './checkpoint-key.js';

describe('validateKey', () => {
  it.each([
    ['../x', 'path separator'],
    ['a/b', 'path separator'],
    ['a\\b', 'path separator'],
    ['', 'empty'],
    ['.hidden', 'starts with "."'],
    ['..', 'starts with "."'],
    ['nul\0', 'NUL'],
    ['tab\t', 'control character'],
    ['del\u007f', 'control character'],
    ['\udc00x', 'lone surrogate'],
    ['x'.repeat(MAX_KEY_BYTES + 1), 'more than 250'],
    ['€'.repeat(84), '252 bytes'],
  ])('rejects %j (%s) with InvalidKeyError', (key, rule) => {
    expect(() => validateKey(key)).toThrow(InvalidKeyError);
    expect(() => validateKey(key)).toThrow(rule);
    expect(isValidKey(key)).toBe(false);
  });

  it('names the key in the error', () => {
    const err = (() => {
      try {
        validateKey('a/b');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ name: 'InvalidKeyError', key: 'a/b' });
  });

  it.each([
    'a',
    'x'.repeat(MAX_KEY_BYTES),
    '€'.repeat(83),
    'pod.ns:uid-1_2',
    'a..b',
    'with space',
    '🚢',
  ])('accepts %j', (key) => {
    expect(keyProblem(key)).toBeUndefined();
    expect(() => validateKey(key)).not.toThrow();
  });
});
