import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {} from '@capstan/testenv/vitest';
import { afterAll, expect, inject, it } from 'vitest';
import { buildProject, packAll } from './pack-project.js';

// The embedding the product promises: a custom agent outside the repo, built only from the
// published packages (pod-lifecycle, cgroups, eviction, cri-api), runs a pod on a real
// containerd, reports it Running with the runtime's container ID, deletes it, and leaves
// no pod, sandbox or cgroup behind.

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'capstan-embed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const AGENT = `
import { createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import { connectCriClient } from '@capstan/cri-api';
import { parseEvictionSettings } from '@capstan/eviction';
import { PodLifecycle, PodRegistry, readMachineInfo, silentLogger } from '@capstan/pod-lifecycle';

const [endpoint, rootDir, image, cgroupRoot] = process.argv.slice(2) as [string, string, string, string];
const until = async <T,>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 90_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
};

parseEvictionSettings({ hard: 'memory.available<100Mi' }); // the settings it will use parse
const cri = await connectCriClient(endpoint);
const v = await cri.runtime.version({ version: 'v1' });
const manager = createCgroupManager();
const hierarchy = new PodCgroupHierarchy({ manager, root: cgroupRoot, driver: 'cgroupfs' });
await hierarchy.ensure();
const registry = new PodRegistry();
const lifecycle = new PodLifecycle({
  cri,
  runtimeName: v.runtimeName,
  runtimeVersion: v.runtimeVersion,
  registry,
  nodeName: 'embedded',
  hostIP: '127.0.0.1',
  rootDir,
  podLogsDir: rootDir + '/pods-logs',
  machine: readMachineInfo(rootDir),
  maxPods: 10,
  kubeletVersion: 'v1.33.0-embedded',
  cgroups: { hierarchy, manager },
  eviction: { hard: 'memory.available<100Mi', nodeCgroup: '/' },
  relistPeriodMs: 500,
  housekeepingPeriodMs: 10_000,
  imageGc: { highThresholdPercent: 100, lowThresholdPercent: 99 },
  logger: silentLogger,
});
await lifecycle.start();
const pod = {
  metadata: { name: 'embedded-web', namespace: 'default' },
  spec: {
    hostNetwork: true,
    containers: [{ name: 'main', image, command: ['sh', '-c', 'sleep 600'] }],
  },
};
const rejected = lifecycle.admit(pod);
if (rejected) throw new Error('not admitted: ' + rejected.message);
await registry.upsert(pod, 'api');
const running = await until('Running', () => {
  const e = registry.byKey('default', 'embedded-web');
  const s = e?.pod.status;
  return s?.phase === 'Running' && s.containerStatuses?.[0]?.containerID ? e : undefined;
});
const uid = running.pod.metadata.uid!;
const containerID = running.pod.status!.containerStatuses![0]!.containerID!;
const onRuntime = (await cri.runtime.listContainers({})).containers.filter(
  (c) => containerID === v.runtimeName + '://' + c.id,
);
const node = await lifecycle.node();
console.log('running', containerID.split('://')[0], onRuntime.length, node.status?.nodeInfo?.architecture);

lifecycle.deletePod(uid, 0);
await until('pod gone', async () => {
  const pods = (await cri.runtime.listPodSandbox({})).items.filter(
    (p) => p.metadata?.uid === uid,
  );
  return pods.length === 0 && !registry.byKey('default', 'embedded-web') ? true : undefined;
});
await lifecycle.stop();
await hierarchy.teardown({ timeoutMs: 5000 });
cri.close();
console.log('deleted');
`;

it('a custom agent built from the published packages runs a pod on containerd and deletes it', async () => {
  const env = inject('testenv');
  const tarballs = packAll(join(scratch, 'tarballs'));
  const main = buildProject(join(scratch, 'agent'), tarballs, AGENT);
  const cgroupRoot = `capstan-embed-${process.pid}`;
  const { stdout } = await run(
    process.execPath,
    [main, env.containerd.address, join(scratch, 'root'), env.images.busybox.ref, cgroupRoot],
    { cwd: scratch, timeout: 240_000 },
  );
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  expect(stdout).toContain(`running containerd 1 ${arch}`);
  expect(stdout).toContain('deleted');
}, 600_000);
