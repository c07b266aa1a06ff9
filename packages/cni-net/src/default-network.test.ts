import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { defaultPodNetwork, writeDefaultPodNetwork } from './default-network.js';
import { InvalidRequestError } from './errors.js';

it('builds bridge + host-local, loopback, portmap and bandwidth for the pod CIDR', () => {
  expect(defaultPodNetwork({ podCidr: '10.244.1.0/24', dataDir: '/tmp/ipam', mtu: 1400 })).toEqual({
    cniVersion: '1.0.0',
    name: 'kubenet',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cbr0',
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        mtu: 1400,
        capabilities: { mac: true },
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: '10.244.1.0/24' }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: '/tmp/ipam',
        },
      },
      { type: 'loopback' },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  });
});

it('supports dual stack and leaving out portmap and bandwidth', () => {
  const doc = defaultPodNetwork({
    podCidr: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
    portmap: false,
    bandwidth: false,
  });
  const plugins = doc.plugins as { type: string; ipam?: { ranges: unknown; routes: unknown } }[];
  expect(plugins.map((p) => p.type)).toEqual(['bridge', 'loopback']);
  expect(plugins[0]?.ipam?.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
});

it('rejects pod CIDRs that cannot work', () => {
  for (const podCidr of ['10.0.0.0', '10.0.0.0/31', ['10.0.0.0/24', '10.1.0.0/24'], []]) {
    expect(() => defaultPodNetwork({ podCidr })).toThrow(InvalidRequestError);
  }
});

it('writes the conflist into a directory and returns it parsed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cninet-defnet-'));
  try {
    const net = await writeDefaultPodNetwork(join(dir, 'net.d'), {
      podCidr: '10.88.0.0/16',
      name: 'pods',
    });
    expect(net.file).toBe(join(dir, 'net.d', '10-pods.conflist'));
    expect(net.plugins.map((p) => p.type)).toEqual(['bridge', 'loopback', 'portmap', 'bandwidth']);
    expect(JSON.parse(await readFile(net.file!, 'utf8'))).toEqual(JSON.parse(net.json));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
