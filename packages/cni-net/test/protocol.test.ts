import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CniDriver,
  isUnavailable,
  type NetworkConfigList,
  type NetworkNamespace,
  PluginError,
  parseNetworkConfig,
} from '../src/index.js';
import { NodeEnv } from './helpers/node-env.js';

// What exactly the driver sends, seen by a recording fake plugin. Debian's plugins stop at
// CNI 1.0.0, so the 1.1 commands (STATUS, GC) can only be exercised against a fake.

const FAKES = join(import.meta.dirname, 'fixtures', 'plugins');

interface Call {
  env: Record<string, string>;
  stdin: Record<string, unknown>;
}

let env: NodeEnv;
let driver: CniDriver;
let pod: NetworkNamespace;
let record: string;

beforeEach(async () => {
  env = await NodeEnv.create();
  record = join(env.tmp, 'record.log');
  await writeFile(record, '');
  process.env.FAKE_RECORD = record;
  driver = env.driver({ pluginDirs: [FAKES] });
  pod = await env.pod('proto');
});
afterEach(async () => {
  delete process.env.FAKE_RECORD;
  if (!env) return;
  await env.cleanup();
  expect(await env.leftovers()).toEqual([]);
});

async function calls(): Promise<Call[]> {
  const lines = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
  const out: Call[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const env = Object.fromEntries(
      (lines[i] ?? '')
        .split('|')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    out.push({ env, stdin: JSON.parse(lines[i + 1] ?? '{}') as Record<string, unknown> });
  }
  return out;
}

function net(version: string, extra: Record<string, unknown> = {}): NetworkConfigList {
  return parseNetworkConfig(
    JSON.stringify({
      cniVersion: version,
      name: 'proto',
      plugins: [
        {
          type: 'fake-recorder',
          tag: 'first',
          capabilities: { portMappings: true, dns: true, mac: false },
        },
        { type: 'fake-recorder', tag: 'second' },
      ],
      ...extra,
    }),
  );
}

describe('ADD, DEL and CHECK on the wire', () => {
  it('threads prevResult, injects name/cniVersion/runtimeConfig, and sets the CNI_* variables', async () => {
    const network = net('1.1.0');
    await driver.add(network, {
      containerId: 'proto-1',
      netns: pod.path,
      pod: { namespace: 'ns1', name: 'p1', uid: 'u1' },
      capabilities: {
        portMappings: [{ hostPort: 80, containerPort: 8080 }],
        dns: { servers: ['10.96.0.10'] },
        mac: '02:00:00:00:00:01',
        bandwidth: { ingressRate: 1 },
      },
    });
    const [a, b] = await calls();
    expect(a?.env).toEqual({
      CMD: 'ADD',
      CID: 'proto-1',
      NETNS: pod.path,
      IFNAME: 'eth0',
      ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=p1;K8S_POD_INFRA_CONTAINER_ID=proto-1;K8S_POD_UID=u1',
      PATH: FAKES,
    });
    // Only the capabilities the plugin declares (and enables) reach it.
    expect(a?.stdin).toMatchObject({
      name: 'proto',
      cniVersion: '1.1.0',
      tag: 'first',
      runtimeConfig: {
        portMappings: [{ hostPort: 80, containerPort: 8080 }],
        dns: { servers: ['10.96.0.10'] },
      },
    });
    expect(a?.stdin).not.toHaveProperty('prevResult');
    expect(b?.stdin).not.toHaveProperty('runtimeConfig');
    expect(b?.stdin.prevResult).toMatchObject({
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.2.3/24' }],
    });

    await writeFile(record, '');
    await driver.check('proto', { containerId: 'proto-1' });
    await driver.del('proto', { containerId: 'proto-1' });
    const later = await calls();
    expect(later.map((c) => `${c.env.CMD} ${String(c.stdin.tag)}`)).toEqual([
      'CHECK first',
      'CHECK second',
      'DEL second',
      'DEL first',
    ]);
    for (const c of later) {
      expect(c.stdin.prevResult).toMatchObject({ ips: [{ address: '10.1.2.3/24', interface: 0 }] });
      expect(c.env.ARGS).toContain('K8S_POD_UID=u1');
    }
    expect(later[3]?.stdin.runtimeConfig).toMatchObject({
      portMappings: [{ hostPort: 80, containerPort: 8080 }],
    });
  });

  it('converts prevResult to a 0.4.0 network version (addresses carry version "4")', async () => {
    await driver.add(net('0.4.0'), { containerId: 'old', netns: pod.path });
    const [, b] = await calls();
    expect(b?.stdin.cniVersion).toBe('0.4.0');
    expect(b?.stdin.prevResult).toMatchObject({
      cniVersion: '0.4.0',
      ips: [{ version: '4', address: '10.1.2.3/24' }],
    });
    await driver.del('proto', { containerId: 'old' });
  });

  it('DEL of a 0.3.1 network sends no prevResult (it came with 0.4.0)', async () => {
    await driver.add(net('0.3.1'), { containerId: 'older', netns: pod.path });
    await writeFile(record, '');
    await driver.del('proto', { containerId: 'older' });
    for (const c of await calls()) expect(c.stdin).not.toHaveProperty('prevResult');
  });
});

describe('CNI 1.1 STATUS and GC', () => {
  it('STATUS asks every plugin; code 50 is a typed "unavailable" PluginError', async () => {
    await driver.status(net('1.1.0'));
    const status = (await calls()).map((c) => c.env);
    expect(status).toHaveLength(2);
    expect(status[0]).toMatchObject({ CMD: 'STATUS', CID: '', NETNS: '', IFNAME: '' });

    const down = parseNetworkConfig(
      JSON.stringify({
        cniVersion: '1.1.0',
        name: 'down',
        plugins: [{ type: 'fake-status-unavailable' }],
      }),
    );
    const err = await driver.status(down).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect(err).toMatchObject({ code: 50, msg: 'no IP addresses left', command: 'STATUS' });
    expect(isUnavailable(err)).toBe(true);
  });

  it('GC DELs cached attachments not in the valid list, then sends GC with the valid ones', async () => {
    const network = net('1.1.0');
    await driver.add(network, { containerId: 'keep', netns: pod.path });
    await driver.add(network, { containerId: 'leaked', netns: pod.path });
    await writeFile(record, '');
    const report = await driver.gc({
      validAttachments: [{ containerId: 'keep' }],
      networks: [network],
    });
    expect(report).toEqual({
      deleted: [{ network: 'proto', containerId: 'leaked', ifName: 'eth0' }],
      failed: [],
      pluginErrors: [],
    });
    const seen = await calls();
    expect(seen.map((c) => `${c.env.CMD} ${c.env.CID}`)).toEqual([
      'DEL leaked',
      'DEL leaked',
      'GC ',
      'GC ',
    ]);
    const valid = [{ containerID: 'keep', ifname: 'eth0' }];
    expect(seen[2]?.stdin).toMatchObject({
      'cni.dev/valid-attachments': valid,
      'cni.dev/attachments': valid,
    });
    expect((await driver.cachedAttachments()).map((a) => a.containerId)).toEqual(['keep']);

    // disableGC: the cache is still reconciled, the plugins are not asked.
    await writeFile(record, '');
    await driver.gc({
      validAttachments: [{ containerId: 'keep' }],
      networks: [net('1.1.0', { disableGC: true })],
    });
    expect(await calls()).toEqual([]);
    await driver.del('proto', { containerId: 'keep' });
  });
});
