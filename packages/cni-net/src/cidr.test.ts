import { expect, it } from 'vitest';
import { cidrContains, parseCidr } from './cidr.js';

it('parses IPv4 and IPv6 CIDR blocks', () => {
  expect(parseCidr('10.244.1.7/24')).toEqual({ family: 4, network: 0x0af40100n, prefixLength: 24 });
  expect(parseCidr('fd00::1/64')?.family).toBe(6);
  expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  expect(parseCidr('banana/8')).toBeUndefined();
});

it('tells whether an address lies inside a block', () => {
  expect(cidrContains('10.244.1.0/24', '10.244.1.255')).toBe(true);
  expect(cidrContains('10.244.1.0/24', '10.244.2.1')).toBe(false);
  expect(cidrContains('fd00:1::/64', 'fd00:1::abcd')).toBe(true);
  expect(cidrContains('fd00:1::/64', 'fd00:2::1')).toBe(false);
  expect(cidrContains('10.0.0.0/8', 'fd00::1')).toBe(false);
});
