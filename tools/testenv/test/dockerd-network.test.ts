import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type NetworkedDockerd,
  netnsListed,
  processesInNetns,
  startDockerd,
  unixRequest,
} from '../src/index.js';

describe('startDockerd({ network })', () => {
  const env = inject('testenv');
  let docker: NetworkedDockerd;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await unixRequest(docker.socket, { method, path, body });
    return { status: res.status, text: res.body.toString() };
  };

  beforeAll(async () => {
    docker = await startDockerd({
      network: { podCidr: '10.248.0.0/24', registryHost: env.registryHost },
    });
  });
  afterAll(async () => {
    await docker?.stop();
  });

  it('runs dockerd (the tracked PID) and its containerd in the node netns, in our mount namespace', () => {
    const nodeNet = `net:[${statSync(docker.netnsPath).ino}]`;
    expect(readlinkSync(`/proc/${docker.pid}/ns/net`)).toBe(nodeNet);
    expect(readlinkSync(`/proc/${docker.pid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'));
    expect(readlinkSync('/proc/self/ns/net')).not.toBe(nodeNet);
    expect(processesInNetns(statSync(docker.netnsPath).ino).length).toBeGreaterThanOrEqual(3);
  });

  it('writes a bridge conflist for a CRI shim and pulls from the registry inside the netns', async () => {
    const conf = JSON.parse(
      readFileSync(join(docker.cniConfDir, '10-capstan.conflist'), 'utf8'),
    ) as {
      name: string;
      plugins: { type: string }[];
    };
    expect(conf.name).toBe(docker.networkName);
    expect(conf.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    const pull = await api(
      'POST',
      `/images/create?fromImage=${encodeURIComponent(env.images.busybox.repo)}&tag=${env.images.busybox.tag}`,
    );
    expect(pull.status).toBe(200);
    expect(pull.text).not.toContain('"error"');
  });

  it('host-network containers share the node netns', async () => {
    const created = await api('POST', '/containers/create', {
      Image: env.images.busybox.ref,
      Cmd: ['readlink', '/proc/self/ns/net'],
      HostConfig: { NetworkMode: 'host' },
    });
    const id = (JSON.parse(created.text) as { Id: string }).Id;
    await api('POST', `/containers/${id}/start`);
    await api('POST', `/containers/${id}/wait`);
    const logs = await unixRequest(docker.socket, { path: `/containers/${id}/logs?stdout=1` });
    expect(logs.body.subarray(8).toString().trim()).toBe(`net:[${statSync(docker.netnsPath).ino}]`);
  });

  it('stop() deletes the node netns', async () => {
    await docker.stop();
    expect(await netnsListed(docker.netns)).toBe(false);
  });
});
