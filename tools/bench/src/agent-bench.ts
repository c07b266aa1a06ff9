// Node agent benchmark: manifest written -> pod Running, for 1 pod (repeated) and for a
// burst of N pods at once (p50/p90/p99), and the agent's own RSS and PSS at each of a list
// of pod counts (default 0, 100, 250). The agent runs as on a node: a child process in the
// network namespace of a private containerd (or docker-shim) with a pod network.
// Usage: bash tools/bench-agent.sh [burst=100] [single-rounds=10] [--pods 0,100,250]
//          [--burst N] [--rounds N] [--json FILE] [--from dist|source]
//        small: --pods 0,10 --burst 10 --rounds 3

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
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectCriClient } from '@capstan/cri-api';
import { distribution, fmtMiB, processMemory } from '@capstan/cri-conformance';
import {
  buildTestImages,
  startContainerd,
  startDockerd,
  startDockerShim,
  startRegistry,
} from '@capstan/testenv';
import { type AgentReport, agentMarkdown } from './agent-table.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pods: { type: 'string', default: '0,100,250' },
    burst: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'string' },
    from: { type: 'string' },
  },
});
const int = (v: string, what: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: not a non-negative integer: ${v}`);
  return n;
};
const N = int(flags.burst ?? positionals[0] ?? '100', 'burst');
const ROUNDS = int(flags.rounds ?? positionals[1] ?? '10', 'rounds');
/** Pod counts the agent's memory is taken at, ascending. */
const COUNTS = [...new Set(flags.pods.split(',').map((v) => int(v.trim(), '--pods')))].sort(
  (a, b) => a - b,
);
const root = join(import.meta.dirname, '..', '..', '..');
const jsonFile = resolve(
  process.env.CAPSTAN_BENCH_CWD ?? process.cwd(),
  flags.json ??
    join(root, '.tmp', `agent-bench-${new Date().toISOString().replaceAll(':', '')}.json`),
);
const work = mkdtempSync(join(tmpdir(), 'agent-bench-'));
const say = (s: string) => process.stderr.write(`${s}\n`);
const startedAt = new Date().toISOString();

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
// Memory investigation knobs: CAPSTAN_AGENT_FROM=source, CAPSTAN_AGENT_NODE_ARGS (space separated),
// CAPSTAN_AGENT_MEMDIR (dump /proc smaps_rollup/status/fds at 0 pods and N pods there).
// The built agent (what an operator runs) unless --from source / CAPSTAN_AGENT_FROM=source.
const fromDist = (flags.from ?? process.env.CAPSTAN_AGENT_FROM ?? 'dist') === 'dist';
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
/** The agent process's own RSS and PSS (one process: it re-execs in place, same PID). */
const agentMemory = () => {
  const m = processMemory(agent.pid!);
  if (m === undefined) throw new Error(`agent (pid ${agent.pid}) is gone`);
  return { rssBytes: m.rssBytes, pssBytes: m.pssBytes };
};
const settle = () => new Promise((r) => setTimeout(r, 3000));
/** Writes manifests `<prefix>-<from>..<to-1>` at once and waits for every pod to run. */
async function addPods(prefix: string, from: number, to: number, out: number[]) {
  const t0 = performance.now();
  const names = Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);
  for (const n of names) writeFileSync(join(manifests, `${n}.json`), JSON.stringify(manifest(n)));
  await waitAll(names, t0, out);
  return performance.now() - t0;
}
function removeAllPods() {
  for (const f of readdirSync(manifests)) unlinkSync(join(manifests, f));
  return waitGone();
}

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
  await settle();
  const memory: { pods: number; rssBytes: number; pssBytes: number }[] = [];
  if (COUNTS.includes(0)) memory.push({ pods: 0, ...agentMemory() });
  say(`agent at 0 pods: RSS ${fmtMiB(agentMemory().rssBytes)} MiB`);
  dumpMem('p0');
  const cri = await connectCriClient(node.address);
  await cri.image.pullImage({ image: { image: images.busybox.ref } });
  const single: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await addPods('one', i, i + 1, single);
    unlinkSync(join(manifests, `one-${i}.json`));
    await waitGone();
    say(`single pod round ${i + 1}/${ROUNDS}`);
  }
  const many: number[] = [];
  let burstMs = 0;
  let startCpu = 0;
  let idleCpu = Number.NaN;
  if (N > 0) {
    const cpu0 = cpuSec();
    burstMs = await addPods('many', 0, N, many);
    startCpu = cpuSec() - cpu0;
    say(`burst: ${N} pods Running after ${(burstMs / 1000).toFixed(1)} s`);
    await settle();
    // The agent's steady cost: 10 s with every pod running (relist, housekeeping).
    const idle0 = cpuSec();
    await new Promise((r) => setTimeout(r, 10_000));
    idleCpu = (cpuSec() - idle0) / 10;
  }
  // Memory at each count, topping the pods up (or starting over when the burst overshot).
  let running = N;
  for (const count of COUNTS.filter((c) => c > 0)) {
    if (count < running) {
      await removeAllPods();
      running = 0;
    }
    if (count > running) {
      say(`memory: ${running} -> ${count} pods`);
      await addPods('many', running, count, []);
      running = count;
      await settle();
    }
    memory.push({ pods: count, ...agentMemory() });
    say(`agent at ${count} pods: RSS ${fmtMiB(memory.at(-1)!.rssBytes)} MiB`);
    dumpMem(`p${count}`);
  }
  if (process.env.CAPSTAN_AGENT_SNAP) await new Promise((r) => setTimeout(r, 15000));
  const report: AgentReport = {
    kind: 'agent-bench',
    startedAt,
    runtime: overDocker ? 'the docker-shim (dockerd 20.10)' : 'containerd 1.6',
    machine:
      `${cpus().length}-core VM, load average ${loadavg()[0]!.toFixed(1)} at the end ` +
      '(other work shares the cores: timings are noisy).',
    agentFrom: fromDist ? 'dist' : 'source',
    rounds: ROUNDS,
    burst: N,
    single: distribution(single),
    burstPerPod: distribution(many),
    burstAllRunningMs: burstMs,
    burstCpuSec: startCpu,
    idleCpuCores: idleCpu,
    memory,
  };
  process.stdout.write(agentMarkdown(report));
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  say(`JSON report: ${jsonFile}`);
  await removeAllPods();
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
