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
import {
  buildTestImages,
  startContainerd,
  startDockerd,
  startDockerShim,
  startRegistry,
} from '@capstan/testenv';

const N = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.argv[3] ?? 10);
const root = join(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'agent-bench-'));
const say = (s: string) => process.stderr.write(`${s}\n`);

const registry = await startRegistry();
const images = await buildTestImages(registry.host);
// CAPSTAN_BENCH_RUNTIME=docker-shim runs the agent over Capstan's docker-shim (a private
// dockerd with a pod network in its node netns, the shim serving inside it) instead.
const overDocker = process.env.CAPSTAN_BENCH_RUNTIME === 'docker-shim';
async function startNode(): Promise<{ address: string; netnsPath: string; stop(): Promise<void> }> {
  if (!overDocker) {
    return startContainerd({
      registryHost: registry.host,
      sandboxImage: images.pause.ref,
      network: { podCidr: '10.246.0.0/16' },
    });
  }
  const dockerd = await startDockerd({
    network: { podCidr: '10.246.0.0/16', registryHost: registry.host },
  });
  const shim = await startDockerShim({
    dockerd,
    podInfraImage: images.pause.ref,
    inNodeNetns: true,
  });
  return {
    address: shim.address,
    netnsPath: dockerd.netnsPath,
    async stop() {
      await shim.stop();
      await dockerd.stop();
    },
  };
}
const node = await startNode();
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
// Memory investigation knobs: CAPSTAN_AGENT_FROM=dist, CAPSTAN_AGENT_NODE_ARGS (space separated),
// CAPSTAN_AGENT_MEMDIR (dump /proc smaps_rollup/status/fds at 0 pods and N pods there).
const fromDist = process.env.CAPSTAN_AGENT_FROM === 'dist';
const nodeArgs = (process.env.CAPSTAN_AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
const agent = spawn(
  'nsenter',
  [
    `--net=${node.netnsPath}`,
    '--',
    process.execPath,
    ...nodeArgs,
    ...(fromDist
      ? [join(root, 'apps/node-agent/dist/main.js')]
      : ['--conditions=source', '--import', 'tsx', join(root, 'apps/node-agent/src/main.ts')]),
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
const memDir = process.env.CAPSTAN_AGENT_MEMDIR;
function dumpMem(tag: string) {
  if (!memDir) return;
  mkdirSync(memDir, { recursive: true });
  const pid = agent.pid;
  for (const f of ['smaps_rollup', 'smaps', 'status', 'maps'])
    writeFileSync(join(memDir, `${tag}.${f}`), readFileSync(`/proc/${pid}/${f}`));
  const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return execFileSync('readlink', [`/proc/${pid}/fd/${fd}`])
        .toString()
        .trim();
    } catch {
      return '?';
    }
  });
  writeFileSync(join(memDir, `${tag}.fds`), fds.join('\n'));
  const tasks = readdirSync(`/proc/${pid}/task`).map((t) =>
    readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(),
  );
  writeFileSync(join(memDir, `${tag}.threads`), tasks.join('\n'));
  if (process.env.CAPSTAN_AGENT_SNAP) {
    agent.kill('SIGUSR2');
  }
}
const rssMiB = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** CPU seconds (user + system) the agent used so far. */
const cpuSec = () => {
  const f = readFileSync(`/proc/${agent.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};

try {
  while (
    !(await pods()
      .then(() => true)
      .catch(() => false))
  )
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3000));
  say(`agent RSS at 0 pods: ${rssMiB().toFixed(1)} MiB`);
  dumpMem('p0');
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
  const cpu0 = cpuSec();
  const t0 = performance.now();
  const names = Array.from({ length: N }, (_, i) => `many-${i}`);
  for (const n of names) writeFileSync(join(manifests, `${n}.json`), JSON.stringify(manifest(n)));
  await waitAll(names, t0, many);
  const allMs = performance.now() - t0;
  const startCpu = cpuSec() - cpu0;
  await new Promise((r) => setTimeout(r, 3000));
  const rss = rssMiB();
  // The agent's steady cost: 10 s with every pod running (relist, probes none, housekeeping).
  const idle0 = cpuSec();
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCpu = (cpuSec() - idle0) / 10;
  dumpMem(`p${N}`);
  if (process.env.CAPSTAN_AGENT_SNAP) await new Promise((r) => setTimeout(r, 15000));
  const d1 = distribution(single);
  const dn = distribution(many);
  process.stdout.write(
    [
      `Node agent over ${overDocker ? 'the docker-shim (dockerd 20.10)' : 'containerd 1.6'} (pod network), 2-core VM`,
      '',
      '| measure | p50 | p90 | p99 | max |',
      '| --- | --- | --- | --- | --- |',
      `| manifest to Running, 1 pod (ms, ${ROUNDS} rounds) | ${d1.p50.toFixed(0)} | ${d1.p90.toFixed(0)} | ${d1.p99.toFixed(0)} | ${d1.max.toFixed(0)} |`,
      `| manifest to Running, ${N} pods at once (ms, per pod) | ${dn.p50.toFixed(0)} | ${dn.p90.toFixed(0)} | ${dn.p99.toFixed(0)} | ${dn.max.toFixed(0)} |`,
      '',
      `all ${N} Running after ${(allMs / 1000).toFixed(1)} s; agent RSS at ${N} pods: ${rss.toFixed(1)} MiB`,
      `agent CPU: ${startCpu.toFixed(2)} s for the ${N}-pod start; ${(idleCpu * 100).toFixed(1)}% of a core with ${N} pods running`,
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
