import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeCniCacheFor } from './cni-cache.js';
import { cidrContains, cniConflist, parsePodCidr } from './node-network.js';

describe('pod CIDR helpers', () => {
  it('accepts IPv4 subnets and rejects host bits, bad prefixes and non-IPv4', () => {
    expect(parsePodCidr('10.244.0.0/24')).toEqual({ base: 0x0af40000, prefix: 24 });
    expect(() => parsePodCidr('10.244.0.1/24')).toThrow(/host bits/);
    expect(() => parsePodCidr('10.244.0.0/31')).toThrow(/podCidr/);
    expect(() => parsePodCidr('10.256.0.0/16')).toThrow(/podCidr/);
    expect(() => parsePodCidr('fd00::/64')).toThrow(/podCidr/);
  });

  it('tells whether an address is inside', () => {
    expect(cidrContains('10.244.0.0/24', '10.244.0.7')).toBe(true);
    expect(cidrContains('10.244.0.0/24', '10.244.1.7')).toBe(false);
    expect(cidrContains('10.244.0.0/16', '10.244.255.1')).toBe(true);
    expect(cidrContains('10.244.0.0/24', '')).toBe(false);
  });

  it('renders a bridge + portmap conflist', () => {
    const conf = JSON.parse(
      cniConflist({ networkName: 'n', bridge: 'b', podCidr: '10.1.0.0/24', ipamDataDir: '/d' }),
    ) as { cniVersion: string; plugins: { type: string }[] };
    expect(conf.cniVersion).toBe('1.0.0');
    expect(conf.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
  });
});

describe('removeCniCacheFor', () => {
  it('removes only entries of the network or whose pod netns was under the dir', () => {
    const results = mkdtempSync(join(tmpdir(), 'capstan-cni-cache-test-'));
    try {
      const entry = (sandbox: string) =>
        JSON.stringify({ kind: 'cniCacheV1', result: { interfaces: [{ name: 'lo', sandbox }] } });
      writeFileSync(join(results, 'cni-loopback-a-lo'), entry('/tmp/ctd-x/state/netns/cni-1'));
      writeFileSync(join(results, 'cni-loopback-b-lo'), entry('/tmp/ctd-xy/state/netns/cni-2'));
      writeFileSync(join(results, 'net1-c-eth0'), entry('/elsewhere'));
      writeFileSync(join(results, 'net10-d-eth0'), entry('/elsewhere'));
      writeFileSync(join(results, 'garbage'), 'not json');
      expect(removeCniCacheFor('/tmp/ctd-x', ['net1'], results).sort()).toEqual([
        'cni-loopback-a-lo',
        'net1-c-eth0',
      ]);
      expect(readdirSync(results).sort()).toEqual(['cni-loopback-b-lo', 'garbage', 'net10-d-eth0']);
      expect(removeCniCacheFor('/tmp/ctd-x', [], join(results, 'missing'))).toEqual([]);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });
});
