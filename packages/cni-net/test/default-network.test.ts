import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrContains } from '../src/cidr.js';
import {
  type CniDriver,
  type CniResult,
  type NetworkConfigList,
  type NetworkNamespace,
  podIps,
  writeDefaultPodNetwork,
} from '../src/index.js';
import { NodeEnv } from './helpers/node-env.js';

// 30 pods on a node's default network, with the real plugins from /usr/lib/cni, all inside
// a node namespace this test made. Steps share state, so they run in order in one describe.

const POD_CIDR = '10.244.7.0/24';
const GATEWAY = '10.244.7.1';
const PODS = 30;

describe('default pod network with the real plugins', () => {
  let env: NodeEnv;
  let driver: CniDriver;
  let network: NetworkConfigList;
  const pods: { ns: NetworkNamespace; id: string; result: CniResult; ip: string }[] = [];

  beforeAll(async () => {
    env = await NodeEnv.create();
    driver = env.driver();
    network = await writeDefaultPodNetwork(env.confDir, {
      podCidr: POD_CIDR,
      dataDir: env.ipamDir,
    });
  });
  afterAll(async () => {
    if (!env) return;
    await env.cleanup();
    expect(await env.leftovers()).toEqual([]);
  });

  it(`attaches ${PODS} namespaces, each with a unique IP inside the pod CIDR`, async () => {
    // Five ADDs at a time: the spec allows parallel operations on different containers.
    for (let start = 0; start < PODS; start += 5) {
      const batch = Array.from({ length: Math.min(5, PODS - start) }, (_, k) => start + k);
      const added = await Promise.all(
        batch.map(async (i) => {
          const ns = await env.pod(i);
          const id = `pod${i}-${env.id}`;
          const result = await driver.add(network, {
            containerId: id,
            netns: ns.path,
            pod: { namespace: 'default', name: `web-${i}`, uid: `uid-${i}` },
          });
          const ip = podIps(result)[0]?.ip ?? '';
          return { ns, id, result, ip };
        }),
      );
      pods.push(...added);
    }
    const ips = pods.map((p) => p.ip);
    expect(new Set(ips).size).toBe(PODS);
    for (const p of pods) {
      expect(cidrContains(POD_CIDR, p.ip)).toBe(true);
      expect(p.ip).not.toBe(GATEWAY);
      expect(podIps(p.result)[0]).toMatchObject({
        prefixLength: 24,
        family: 4,
        gateway: GATEWAY,
        interfaceName: 'eth0',
      });
    }
    expect((await env.allocatedIps('kubenet')).sort()).toEqual([...ips].sort());
    // The loopback plugin in the chain brought lo up in the pod.
    expect(await env.exec(pods[0]!.ns.path, 'ip', ['-o', 'link', 'show', 'lo'])).toMatch(/UP/);
  });

  it('lets every pod reach the next one over the bridge (ping)', async () => {
    await Promise.all(
      pods.map((p, i) => {
        const next = pods[(i + 1) % pods.length]!;
        return env.exec(p.ns.path, 'busybox', ['ping', '-c', '1', '-W', '5', next.ip]);
      }),
    );
  });

  it('carries a TCP connection from a host port to a pod port (portmap)', async () => {
    const target = pods[3]!;
    const ns = await env.pod('portmap');
    const id = `pm-${env.id}`;
    const result = await driver.add(network, {
      containerId: id,
      netns: ns.path,
      capabilities: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }] },
    });
    const ip = podIps(result)[0]!.ip;
    await env.exec(ns.path, 'ip', ['link', 'set', 'lo', 'up']);
    env.start(ns.path, 'busybox', ['nc', '-l', '-p', '8080', '-e', '/bin/cat']);
    // Connect from inside the node namespace to its own bridge address, port 18080.
    const echoed = await waitFor(() =>
      env.exec(
        env.node.path,
        'sh',
        ['-c', `echo hello-through-portmap | busybox nc ${GATEWAY} 18080`],
        5000,
      ),
    );
    expect(echoed.trim()).toBe('hello-through-portmap');
    const nat = await env.inNode('iptables', ['-t', 'nat', '-S']);
    expect(nat).toContain(`--to-destination ${ip}:8080`);
    // Another pod reaches it through the pod IP directly as well.
    expect(target.ip).not.toBe(ip);
    await driver.del(network, { containerId: id });
    expect(await env.inNode('iptables', ['-t', 'nat', '-S'])).not.toContain(`${ip}:8080`);
  });

  it('DEL frees every IP and removes every veth', async () => {
    const before = await env.nodeLinks();
    expect(before.filter((l) => l.startsWith('veth'))).toHaveLength(PODS);
    for (const p of pods) {
      expect(await driver.del(network, { containerId: p.id })).toEqual({
        fromCache: true,
        ran: true,
      });
    }
    expect(await env.allocatedIps('kubenet')).toEqual([]);
    expect((await env.nodeLinks()).filter((l) => l.startsWith('veth'))).toEqual([]);
    for (const p of pods) {
      expect(await env.exec(p.ns.path, 'ip', ['-o', 'link', 'show'])).not.toContain('eth0');
    }
    expect(await driver.cachedAttachments()).toEqual([]);
    // A second DEL of the same container is fine (nothing cached, the plugins tolerate it).
    expect(await driver.del(network, { containerId: pods[0]!.id })).toEqual({
      fromCache: false,
      ran: true,
    });
  });
});

async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
