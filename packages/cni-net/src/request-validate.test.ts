import { expect, it } from 'vitest';
import { InvalidRequestError } from './errors.js';
import { validateContainerId, validateIfName, validateNetworkName } from './request-validate.js';

it('accepts what the CNI spec allows and rejects the rest with InvalidRequestError', () => {
  validateContainerId('3f6940ab5ab4_x.y-z');
  validateNetworkName('kubenet');
  validateIfName('eth0');
  for (const bad of ['', '-x', 'a b', 'a/b'])
    expect(() => validateContainerId(bad)).toThrow(InvalidRequestError);
  for (const bad of ['', '.', '..', 'a:b', 'a b', 'a/b', 'sixteen-chars-xx']) {
    expect(() => validateIfName(bad)).toThrow(InvalidRequestError);
  }
  expect(() => validateNetworkName('_net')).toThrow(/invalid network name "_net"/);
});
