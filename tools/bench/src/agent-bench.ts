// Node agent benchmark: manifest written -> pod Running, for 1 pod (repeated) and for N
// pods at once, and the agent's resident memory at N pods. The agent runs as on a node:
// a child process in the network namespace of a private containerd with a pod network.
// Usage: bash tools/bench-agent.sh [pods=100] [single-rounds=10]

import { execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCriClient } from '@capstan/cri-api';
import { distribution } from '@capstan/cri-conformance';
import { buildTestImages, startContainerd, startRegistry } from '@capstan/testenv';

const N = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 10);
const root = join(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'agent-bench-'));
const say = (s: string) => process.stderr.write(`${s}\n`);

const registry = await startRegistry();
const images = await buildTestImages(registry.host);
const node = await startContainerd({
  registryHost: registry.host,
  sandboxImage: images.pause.ref,
  network: { podCidr: '10.246.0.0/16' },
});
const manifests = join(work, 'manifests');
mkdirSync(manifests);
const status = join(work, 'status.sock');
const nodeName = 'bench';
const cgroupRoot = `capstan-bench-${process.pid}`;
writeFileSync(
  join(work, 'agent.yaml'),
  [
    `nodeName: ${nodeName}`,
    `containerRuntimeEndpoint: ${node.address}`,
    `staticPodPath: ${manifests}`,
    `rootDir: ${join(work, 'root')}`,
    `podLogsDir: ${join(work, 'logs')}`,
    `cgroupRoot: ${cgroupRoot}`,
    'healthzPort: 0',
    `statusSocket: ${status}`,
    'relistPeriodMs: 1000',
    'maxPods: 500',
  ].join('\n'),
);
const agent = spawn(
  'nsenter',
  [
    `--net=${node.netnsPath}`,
    '--',
    process.execPath,
    '--conditions=source',
    '--import',
    'tsx',
    join(root, 'apps/node-agent/src/main.ts'),
    '--config',
    join(work, 'agent.yaml'),
    '--log-level',
    'warn',
  ],
  { cwd: join(root, 'apps/node-agent'), stdio: 'ignore' },
);

const pods = () =>
  new Promise<{ metadata: { name: string }; status?: { phase?: string } }[]>((resolve, reject) => {
    const req = request({ socketPath: status, path: '/pods' }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b).items));
    });
    req.on('error', reject);
    req.end();
  });
const manifest = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'c', image: images.busybox.ref, command: ['sleep', '3600'] }],
  },
});
async function waitAll(names: string[], started: number, out: number[]) {
  const pending = new Set(names.map((n) => `${n}-${nodeName}`));
  while (pending.size > 0) {
    for (const p of await pods().catch(() => [])) {
      if (pending.has(p.metadata.name) && p.status?.phase === 'Running') {
        pending.delete(p.metadata.name);
        out.push(performance.now() - started);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function waitGone() {
  while ((await pods().catch(() => [1])).length > 0) await new Promise((r) => setTimeout(r, 100));
}
const rssMiB = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

try {
  while (
    !(await pods()
      .then(() => true)
      .catch(() => false))
  )
    await new Promise((r) => setTimeout(r, 100));
  const cri = await connectCriClient(node.address);
  await cri.image.pullImage({ image: { image: images.busybox.ref } });
  const single: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    writeFileSync(join(manifests, `one-${i}.json`), JSON.stringify(manifest(`one-${i}`)));
    await waitAll([`one-${i}`], t0, single);
    unlinkSync(join(manifests, `one-${i}.json`));
    await waitGone();
    say(`single pod round ${i + 1}/${ROUNDS}`);
  }
  const many: number[] = [];
  const t0 = performance.now();
  const names = Array.from({ length: N }, (_, i) => `many-${i}`);
  for (const n of names) writeFileSync(join(manifests, `${n}.json`), JSON.stringify(manifest(n)));
  await waitAll(names, t0, many);
  const allMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 3000));
  const rss = rssMiB();
  const d1 = distribution(single);
  const dn = distribution(many);
  process.stdout.write(
    [
      `Node agent over containerd 1.6 (pod network), 2-core VM`,
      '',
      '| measure | p50 | p90 | p99 | max |',
      '| --- | --- | --- | --- | --- |',
      `| manifest to Running, 1 pod (ms, ${ROUNDS} rounds) | ${d1.p50.toFixed(0)} | ${d1.p90.toFixed(0)} | ${d1.p99.toFixed(0)} | ${d1.max.toFixed(0)} |`,
      `| manifest to Running, ${N} pods at once (ms, per pod) | ${dn.p50.toFixed(0)} | ${dn.p90.toFixed(0)} | ${dn.p99.toFixed(0)} | ${dn.max.toFixed(0)} |`,
      '',
      `all ${N} Running after ${(allMs / 1000).toFixed(1)} s; agent RSS at ${N} pods: ${rss.toFixed(1)} MiB`,
      '',
    ].join('\n'),
  );
  for (const n of names) unlinkSync(join(manifests, `${n}.json`));
  await waitGone();
  cri.close();
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  await node.stop();
  await registry.stop();
  for (const c of readdirSync('/sys/fs/cgroup')) {
    try {
      execFileSync(
        'find',
        [`/sys/fs/cgroup/${c}/${cgroupRoot}`, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'],
        { stdio: 'ignore' },
      );
    } catch {}
  }
  rmSync(work, { recursive: true, force: true });
}
