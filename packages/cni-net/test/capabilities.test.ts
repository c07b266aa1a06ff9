import { afterEach, beforeEach, expect, it } from 'vitest';
import { cidrContains } from '../src/cidr.js';
import {
  type CniDriver,
  type NetworkConfigList,
  PluginError,
  parseNetworkConfig,
  podIps,
  writeDefaultPodNetwork,
} from '../src/index.js';
import { NodeEnv } from './helpers/node-env.js';

// runtimeConfig capabilities and CNI_ARGS, observed on what the real plugins did.

let env: NodeEnv;
let driver: CniDriver;
let network: NetworkConfigList;

beforeEach(async () => {
  env = await NodeEnv.create();
  driver = env.driver();
  network = await writeDefaultPodNetwork(env.confDir, {
    podCidr: '10.244.8.0/24',
    dataDir: env.ipamDir,
  });
});
afterEach(async () => {
  if (!env) return;
  await env.cleanup();
  expect(await env.leftovers()).toEqual([]);
});

it('mac, ipRanges and bandwidth reach the plugins that declare them', async () => {
  // host-local prepends runtime ipRanges to its configured ranges (overlap is an error), so
  // this network leaves the ranges to the runtime, as containerd's templated configs do.
  const doc = JSON.parse(network.json) as { plugins: Record<string, unknown>[] };
  const bridge = doc.plugins[0] as {
    ipam: Record<string, unknown>;
    capabilities: Record<string, boolean>;
  };
  delete bridge.ipam.ranges;
  bridge.capabilities.ipRanges = true;
  const ranged = parseNetworkConfig(JSON.stringify(doc));
  const ns = await env.pod('caps');
  const id = `caps-${env.id}`;
  const result = await driver.add(ranged, {
    containerId: id,
    netns: ns.path,
    capabilities: {
      mac: '02:42:0a:f4:08:63',
      ipRanges: [
        [{ subnet: '10.244.8.0/24', rangeStart: '10.244.8.200', rangeEnd: '10.244.8.210' }],
      ],
      bandwidth: {
        ingressRate: 8_000_000,
        ingressBurst: 800_000,
        egressRate: 4_000_000,
        egressBurst: 400_000,
      },
      // Declared by no plugin of this network: filtered out, nobody sees it.
      dns: { servers: ['10.96.0.10'], searches: ['svc.cluster.local'] },
    },
  });
  const ip = podIps(result)[0]!.ip;
  const last = Number(ip.split('.')[3]);
  expect(cidrContains('10.244.8.0/24', ip) && last >= 200 && last <= 210).toBe(true);
  expect(await env.exec(ns.path, 'ip', ['-o', 'link', 'show', 'eth0'])).toContain(
    'link/ether 02:42:0a:f4:08:63',
  );
  expect(result.interfaces.find((i) => i.name === 'eth0')?.mac).toBe('02:42:0a:f4:08:63');
  const hostVeth = result.interfaces.find((i) => i.name.startsWith('veth'))!.name;
  const qdiscs = await env.inNode('tc', ['qdisc', 'show', 'dev', hostVeth]);
  expect(qdiscs).toContain('tbf');
  expect(qdiscs).toContain('rate 8Mbit');
  await driver.del('kubenet', { containerId: id });
  expect(await env.allocatedIps('kubenet')).toEqual([]);
  expect((await env.inNode('ip', ['-o', 'link', 'show'])).includes('bwp')).toBe(false);
});

it('CNI_ARGS carry the pod identity (IgnoreUnknown=1) and extra pairs such as IP for host-local', async () => {
  const ns = await env.pod('args');
  const id = `args-${env.id}`;
  const result = await driver.add(network, {
    containerId: id,
    netns: ns.path,
    pod: { namespace: 'kube-system', name: 'dns-0', uid: '6f1e-uid' },
    args: { IP: '10.244.8.77' },
  });
  expect(podIps(result)[0]!.ip).toBe('10.244.8.77');
  const cached = (await driver.cachedAttachments(id))[0]!;
  expect(cached.cniArgs).toEqual([
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', 'kube-system'],
    ['K8S_POD_NAME', 'dns-0'],
    ['K8S_POD_INFRA_CONTAINER_ID', id],
    ['K8S_POD_UID', '6f1e-uid'],
    ['IP', '10.244.8.77'],
  ]);
  await driver.del(network, { containerId: id });
  expect(await env.allocatedIps('kubenet')).toEqual([]);
});

it('a config offering cniVersions 1.0.0 and 1.1.0 runs at 1.0.0, the highest the plugins support', async () => {
  const doc = JSON.parse(network.json) as Record<string, unknown>;
  const multi = parseNetworkConfig(
    JSON.stringify({ ...doc, cniVersion: '1.1.0', cniVersions: ['1.0.0', '1.1.0'] }),
  );
  expect(multi.cniVersion).toBe('1.1.0');
  expect(await driver.chooseVersion(multi)).toBe('1.0.0');
  const ns = await env.pod('ver');
  const result = await driver.add(multi, { containerId: 'ver', netns: ns.path });
  expect(result.cniVersion).toBe('1.0.0');
  await driver.del(multi, { containerId: 'ver' });

  // libcni's plain rule (no negotiation) sends 1.1.0, which Debian's bridge refuses: code 1.
  const strict = env.driver({ negotiateVersion: false });
  const err = await strict
    .add(multi, { containerId: 'ver2', netns: ns.path })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PluginError);
  expect(err).toMatchObject({ code: 1, plugin: 'bridge', kind: 'failed-precondition' });
  expect(await env.allocatedIps('kubenet')).toEqual([]);
});
