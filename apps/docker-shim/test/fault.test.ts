import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContainerConfig,
  ContainerConfig as ContainerConfigCodec,
  type CriClient,
  createCriClient,
  PodSandboxConfig,
} from '@capstan/cri-api';
import {
  type DockerShim,
  type NetworkedDockerd,
  startDockerd,
  startDockerShim,
  unixRequest,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

// kill -9 of the shim in the middle of pod lifecycles, 50 times. After every restart the
// shim must list exactly the sandboxes and containers Docker has (by their labels), and
// every pod it confirmed and was not asked to remove must still be there. At the end,
// after removing everything through CRI, nothing may be left: no Docker container, no
// allocated IP, no CNI cache entry, no veth, no container cgroup.

const env = inject('testenv');
const ROUNDS = 50;
const MANAGED = 'io.capstan.cri.managed-by=capstan-docker-shim';

let dockerd: NetworkedDockerd;
let shim: DockerShim;

beforeAll(async () => {
  dockerd = await startDockerd({
    network: { podCidr: '10.246.0.0/24', registryHost: env.registryHost },
  });
  shim = await startDockerShim({ dockerd, podInfraImage: env.images.pause.ref });
});
afterAll(async () => {
  await shim?.stop();
  await dockerd?.stop();
});

/** The CRI IDs Docker holds, by type, read from the shim's labels. */
async function dockerInventory(): Promise<{ sandboxes: string[]; containers: string[] }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [MANAGED] }));
  const res = await unixRequest(dockerd.socket, {
    path: `/containers/json?all=1&filters=${filters}`,
  });
  const list = JSON.parse(res.body.toString()) as { Labels: Record<string, string> }[];
  const of = (type: string) =>
    list
      .filter((c) => c.Labels['io.capstan.cri.type'] === type)
      .map((c) => c.Labels['io.capstan.cri.id'] ?? '')
      .sort();
  return { sandboxes: of('sandbox'), containers: of('container') };
}

let seq = 0;
function podConfig(): PodSandboxConfig {
  const n = ++seq;
  return PodSandboxConfig.fromPartial({
    metadata: { name: `fault-${n}`, namespace: 'fault', uid: `uid-${n}`, attempt: 0 },
    hostname: `fault-${n}`,
    logDirectory: join(shim.dir, 'logs', String(n)),
    linux: {},
  });
}
const container: ContainerConfig = ContainerConfigCodec.fromPartial({
  metadata: { name: 'sleeper' },
  image: { image: env.images.busybox.ref },
  command: ['sleep', '3600'],
  logPath: 'sleeper.log',
  linux: {},
});

/** Pods the shim confirmed, and pods it was asked to remove (confirmed or cut off). */
const confirmed = new Set<string>();
const removed = new Set<string>();

/** One pod's whole life, step by step; any step may be cut off by the kill. */
async function lifecycle(cri: CriClient, keep: boolean): Promise<void> {
  const config = podConfig();
  const { podSandboxId } = await cri.runtime.runPodSandbox({ config });
  confirmed.add(podSandboxId);
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId,
    config: container,
    sandboxConfig: config,
  });
  await cri.runtime.startContainer({ containerId });
  if (keep) return;
  await cri.runtime.stopContainer({ containerId, timeout: 0n });
  await cri.runtime.removeContainer({ containerId });
  await cri.runtime.stopPodSandbox({ podSandboxId });
  removed.add(podSandboxId);
  await cri.runtime.removePodSandbox({ podSandboxId });
}

async function removeAll(cri: CriClient): Promise<void> {
  const { items } = await cri.runtime.listPodSandbox({});
  for (const p of items) {
    await cri.runtime.stopPodSandbox({ podSandboxId: p.id });
    removed.add(p.id);
    await cri.runtime.removePodSandbox({ podSandboxId: p.id });
  }
}

// 50 rounds take ~2 min on an idle 2-core machine, far longer on a loaded one: a wide timeout.
it(`after ${ROUNDS} kill -9s during pod lifecycles the shim lists exactly what Docker has, and nothing leaks`, async () => {
  let cri = createCriClient(shim.address, { deadlineMs: 60_000 });
  await cri.image.pullImage({ image: { image: env.images.busybox.ref } });
  for (let round = 0; round < ROUNDS; round++) {
    // Two drivers run lifecycles until the kill cuts them off, somewhere in any step.
    let stop = false;
    const driver = async (keepEvery: number) => {
      for (let i = 1; !stop; i++) await lifecycle(cri, i % keepEvery === 0).catch(() => {});
    };
    const drivers = [driver(3), driver(4)];
    await sleep(150 + Math.floor(Math.random() * 900));
    await shim.kill();
    stop = true;
    await Promise.all(drivers);
    cri.close();
    await shim.restart();
    cri = createCriClient(shim.address, { deadlineMs: 60_000 });

    const docker = await dockerInventory();
    const pods = (await cri.runtime.listPodSandbox({})).items.map((p) => p.id).sort();
    const ctrs = (await cri.runtime.listContainers({})).containers.map((c) => c.id).sort();
    expect(pods, `round ${round}: sandboxes`).toEqual(docker.sandboxes);
    expect(ctrs, `round ${round}: containers`).toEqual(docker.containers);
    for (const id of confirmed) {
      if (!removed.has(id)) expect(pods, `round ${round}: confirmed pod ${id} lost`).toContain(id);
    }
    // Keep the node small: every few rounds the pods left so far are removed through CRI.
    if (round % 5 === 4) await removeAll(cri);
  }
  await removeAll(cri);
  expect((await cri.runtime.listContainers({})).containers).toEqual([]);
  cri.close();

  expect(await dockerInventory()).toEqual({ sandboxes: [], containers: [] });
  // host-local keeps one file per allocated IP (besides its lock and last-reserved files).
  const ipam = join(dockerd.ipamDataDir, dockerd.networkName);
  const allocated = existsSync(ipam)
    ? readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f))
    : [];
  expect(allocated, 'allocated pod IPs').toEqual([]);
  const cache = join(shim.stateDir, 'cni', 'results');
  expect(existsSync(cache) ? readdirSync(cache) : [], 'CNI result cache').toEqual([]);
  const links = await dockerd.execInNode(['ip', '-o', 'link', 'show']);
  expect(links.stdout, 'veths in the node netns').not.toMatch(/: veth/);
  const cgroups = `/sys/fs/cgroup/memory${dockerd.cgroupParent}`;
  const left = existsSync(cgroups)
    ? readdirSync(cgroups).filter((f) => /^[0-9a-f]{64}$/.test(f))
    : [];
  expect(left, 'container cgroups').toEqual([]);
}, 600_000);
