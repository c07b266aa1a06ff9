import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCgroupManager } from '@capstan/cgroups';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../src/pod/types.js';
import {
  type AgentProcess,
  removeAgentPods,
  startAgent,
  waitFor,
} from './helpers/agent-process.js';

// `kubectl top` (metrics.k8s.io from the runtime's and the node cgroup's counters) and the
// `kubectl logs` flags, with real kubectl releases against the agent over containerd 1.6.

const run = promisify(execFile);
const KUBECTLS = [
  { name: '1.27', bin: '/usr/lib/google-cloud-sdk/bin/kubectl.1.27' },
  { name: '1.33', bin: '/usr/lib/google-cloud-sdk/bin/kubectl.1.33' },
  { name: 'default', bin: 'kubectl' },
];
const Mi = 2 ** 20;

describe('kubectl top and logs against the agent (containerd)', () => {
  const env = inject('testenv');
  const node = env.networkedContainerd;
  const dir = mkdtempSync(join(tmpdir(), 'agent-top-'));
  const nodeName = `top-${process.pid}`;
  const nodeCgroup = `/capstan-test-top-${process.pid}`;
  const kubeconfig = join(dir, 'kubeconfig');
  const statusSocket = join(dir, 'status.sock');
  let agent: AgentProcess;
  let cri: CriClient;

  /** kubectl `bin` run on the node (the API listens on the node netns' loopback). */
  const kubectl = async (bin: string, ...args: string[]) => {
    const home = join(dir, `home-${bin.replace(/\W/g, '_')}`);
    const { stdout } = await run(
      'ip',
      [
        'netns',
        'exec',
        node.netns,
        'env',
        `HOME=${home}`,
        bin,
        '--kubeconfig',
        kubeconfig,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    return stdout;
  };
  const k = (...args: string[]) => kubectl('kubectl', ...args);
  const pods = async () => (await agent.get<{ items: Pod[] }>('/pods')).items ?? [];
  const apply = (name: string, yaml: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    return k('apply', '-f', file);
  };
  const running = (name: string, containers = 1) =>
    waitFor(agent, `${name} running`, async () => {
      const p = (await pods()).find((x) => x.metadata.name === name);
      const cs = p?.status?.containerStatuses ?? [];
      return cs.filter((c) => c.state.running).length === containers && p;
    });

  beforeAll(async () => {
    await createCgroupManager().create(nodeCgroup, {});
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'kind: KubeletConfiguration',
        `nodeName: ${nodeName}`,
        `containerRuntimeEndpoint: ${node.address}`,
        `rootDir: ${join(dir, 'root')}`,
        `podLogsDir: ${join(dir, 'logs')}`,
        `cgroupRoot: capstan-test-top-pods-${process.pid}`,
        `nodeCgroup: ${nodeCgroup}`,
        'healthzPort: 0',
        `statusSocket: ${statusSocket}`,
        'relistPeriodMs: 500',
        'evictionHard: memory.available<1Mi',
        'podApi:',
        '  enabled: true',
        `  socket: ${join(dir, 'pod-api.sock')}`,
        `  kubeconfig: ${kubeconfig}`,
        '  metricsPeriodMs: 1000',
      ].join('\n'),
    );
    cri = await connectCriClient(node.address);
    agent = startAgent({
      netnsPath: node.netnsPath,
      configFile: join(dir, 'config.yaml'),
      statusSocket,
    });
    await waitFor(agent, 'agent status socket', () => agent.get('/healthz').then(() => true));
  });

  afterAll(async () => {
    await agent?.stop();
    if (cri) {
      await removeAgentPods(cri, nodeName);
      cri.close();
    }
    await createCgroupManager().destroy(nodeCgroup, { timeoutMs: 10_000 });
    // runc's cgroups in hierarchies the manager does not handle (name=systemd, cgroup2).
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      try {
        execFileSync(
          'find',
          [
            `/sys/fs/cgroup/${ctrl}${nodeCgroup}`,
            '-depth',
            '-type',
            'd',
            '-exec',
            'rmdir',
            '{}',
            ';',
          ],
          {
            stdio: 'ignore',
          },
        );
      } catch {}
    }
    for (const line of execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })
      .split('\n')
      .reverse()) {
      const mount = line.split(' ')[4];
      if (mount?.startsWith(`${dir}/`)) execFileSync('umount', ['-l', mount]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl top pod, --containers, -A and top node print the real usage of a busy pod', async () => {
    // One container spins (capped at 300m by its limit), the other fills 64 MiB of memory.
    await apply(
      'burner',
      `apiVersion: v1
kind: Pod
metadata: {name: burner, labels: {app: burner}}
spec:
  terminationGracePeriodSeconds: 0
  volumes: [{name: mem, emptyDir: {medium: Memory}}]
  containers:
  - name: spin
    image: ${env.images.busybox.ref}
    command: [sh, -c, 'while :; do :; done']
    resources: {limits: {cpu: 300m, memory: 64Mi}}
  - name: hog
    image: ${env.images.busybox.ref}
    command: [sh, -c, 'dd if=/dev/zero of=/mem/blob bs=1M count=64 && sleep 3600']
    volumeMounts: [{name: mem, mountPath: /mem}]
`,
    );
    await running('burner', 2);
    // Metrics exist once each container has two samples after the hog filled its memory.
    const row = (out: string, re: RegExp) => re.exec(out);
    const cpuMem = /burner\s+(\d+)m\s+(\d+)Mi/;
    await waitFor(agent, 'top pod with the memory filled', async () => {
      const m = row(await k('top', 'pod'), cpuMem);
      return m && Number(m[2]) >= 64 && Number(m[1]) > 50;
    });
    for (const { name, bin } of KUBECTLS) {
      const pod = await kubectl(bin, 'top', 'pod');
      expect(pod, name).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
      const [, cpu, mem] = row(pod, cpuMem) ?? [];
      // The spinner is held to 300m by CFS; measured over a window it is close to it.
      expect(Number(cpu), `${name}: ${pod}`).toBeGreaterThan(50);
      expect(Number(cpu), `${name}: ${pod}`).toBeLessThan(450);
      // 64 MiB in a memory-backed volume plus two shells.
      expect(Number(mem), `${name}: ${pod}`).toBeGreaterThanOrEqual(64);
      expect(Number(mem), `${name}: ${pod}`).toBeLessThan(100);

      const containers = await kubectl(bin, 'top', 'pod', '--containers', '-l', 'app=burner');
      const spin = /burner\s+spin\s+(\d+)m\s+(\d+)Mi/.exec(containers);
      const hog = /burner\s+hog\s+(\d+)m\s+(\d+)Mi/.exec(containers);
      expect(Number(spin?.[1]), `${name}: ${containers}`).toBeGreaterThan(50);
      expect(Number(spin?.[2]), `${name}: ${containers}`).toBeLessThan(16);
      expect(Number(hog?.[1]), `${name}: ${containers}`).toBeLessThan(50);
      expect(Number(hog?.[2]), `${name}: ${containers}`).toBeGreaterThanOrEqual(64);

      const all = await kubectl(bin, 'top', 'pod', '-A');
      expect(all, name).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
      expect(all, name).toMatch(/default\s+burner\s+\d+m\s+\d+Mi/);
      // A selector that matches nothing: no metrics, as kubectl says it.
      await expect(kubectl(bin, 'top', 'pod', '-l', 'app=none')).resolves.toMatch(
        /^$|No resources/,
      );

      // The node: the node cgroup's usage against the served Node's allocatable.
      const top = await kubectl(bin, 'top', 'node');
      const n = new RegExp(`^${nodeName}\\s+(\\d+)m\\s+(\\d+)%\\s+(\\d+)Mi\\s+(\\d+)%`, 'm').exec(
        top,
      );
      expect(n, `${name}: ${top}`).not.toBeNull();
      expect(Number(n![1]), `${name}: ${top}`).toBeGreaterThan(50);
      expect(Number(n![3]), `${name}: ${top}`).toBeGreaterThanOrEqual(64);
      expect(await kubectl(bin, 'top', 'node', nodeName), name).toContain(nodeName);
    }
    // The raw objects are metrics-server's.
    const raw = JSON.parse(
      await k('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner'),
    );
    expect(raw).toMatchObject({
      kind: 'PodMetrics',
      metadata: { name: 'burner', namespace: 'default' },
    });
    expect(raw.window).toMatch(/^\d+(\.\d+)?(ms|s)$/);
    for (const c of raw.containers) {
      expect(c.usage.cpu).toMatch(/^\d+n$/);
      expect(c.usage.memory).toMatch(/^\d+Ki$/);
    }
    const hogMem =
      Number(
        /^(\d+)Ki$/.exec(
          raw.containers.find((c: { name: string }) => c.name === 'hog').usage.memory,
        )![1],
      ) * 1024;
    expect(hogMem).toBeGreaterThanOrEqual(64 * Mi);
    await k('delete', 'pod', 'burner', '--wait=false');
  });

  it('kubectl logs: -c, --all-containers, --tail, --timestamps, --since, --since-time, -f, --previous', async () => {
    await apply(
      'talker',
      `apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  terminationGracePeriodSeconds: 0
  initContainers:
  - {name: init, image: ${env.images.busybox.ref}, command: [sh, -c, 'echo init-done']}
  containers:
  - name: a
    image: ${env.images.busybox.ref}
    command: [sh, -c, 'echo one; echo two; echo three; sleep 6; echo late; i=0; while :; do echo tick-$i; i=$((i+1)); sleep 1; done']
  - name: b
    image: ${env.images.busybox.ref}
    command: [sh, -c, 'echo b1; echo b2; echo b3; sleep 3600']
`,
    );
    await running('talker', 2);
    await waitFor(agent, 'talker a says late', async () =>
      (await k('logs', 'talker', '-c', 'a')).includes('late'),
    );
    for (const { name, bin } of KUBECTLS) {
      const logs = (...args: string[]) => kubectl(bin, 'logs', 'talker', ...args);
      expect(await logs('-c', 'b'), name).toBe('b1\nb2\nb3\n');
      expect(await logs('-c', 'b', '--tail=2'), name).toBe('b2\nb3\n');
      expect(await logs('-c', 'b', '--tail=0'), name).toBe('');
      // Every container's log, init containers too; kubectl 1.27 asks in map order, so
      // each container's lines are checked as a block, not where it falls.
      const all = (await logs('--all-containers')).split('\n');
      const block = (first: string, n: number) =>
        all.slice(all.indexOf(first), all.indexOf(first) + n);
      expect(block('init-done', 1), name).toEqual(['init-done']);
      expect(block('one', 4), name).toEqual(['one', 'two', 'three', 'late']);
      expect(block('b1', 3), name).toEqual(['b1', 'b2', 'b3']);
      // The kubelet's timestamps: RFC 3339 with 9 fraction digits, then the line.
      const stamped = (await logs('-c', 'b', '--timestamps')).split('\n').filter(Boolean);
      expect(
        stamped.map((l) => l.replace(/^\S+ /, '')),
        name,
      ).toEqual(['b1', 'b2', 'b3']);
      for (const l of stamped)
        expect(l, name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) b\d$/);
      // since: `late` came 6 s after `three`.
      const recent = await logs('-c', 'a', '--since=4s');
      expect(recent, name).not.toContain('three');
      expect(recent, name).toMatch(/tick-\d+\n$/);
      const a = (await logs('-c', 'a', '--timestamps')).split('\n');
      const lateAt = a.find((l) => l.endsWith(' late'))!.split(' ')[0]!;
      const sinceLate = await logs('-c', 'a', `--since-time=${lateAt}`);
      expect(sinceLate, name).toMatch(/^late\ntick-0\n/);
      // -f: lines written after kubectl started arrive while it runs.
      const before = Number(/tick-(\d+)\n$/.exec(await logs('-c', 'a'))?.[1]);
      const follow = spawn('ip', [
        'netns',
        'exec',
        node.netns,
        'env',
        `HOME=${dir}`,
        bin,
        '--kubeconfig',
        kubeconfig,
        'logs',
        '-f',
        'talker',
        '-c',
        'a',
        '--tail=1',
      ]);
      let out = '';
      follow.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      try {
        await waitFor(
          agent,
          `${name} logs -f gets new ticks`,
          async () => out.includes(`tick-${before + 3}\n`),
          20_000,
        );
      } finally {
        follow.kill('SIGTERM');
      }
      expect(out.startsWith('tick-'), name).toBe(true);
      expect(out, name).not.toContain('three');
    }
    // sinceTime to the nanosecond, as the API server passes it on: from `b2` on, not `b1`
    // (b1..b3 were written microseconds apart).
    const b2 = (await k('logs', 'talker', '-c', 'b', '--timestamps'))
      .split('\n')[1]!
      .split(' ')[0]!;
    const exact = await k(
      'get',
      '--raw',
      `/api/v1/namespaces/default/pods/talker/log?container=b&sinceTime=${encodeURIComponent(b2)}`,
    );
    expect(exact).toBe('b2\nb3\n');

    // --previous: the container's last terminated instance.
    await apply(
      'restarter',
      `apiVersion: v1
kind: Pod
metadata: {name: restarter}
spec:
  terminationGracePeriodSeconds: 0
  volumes: [{name: state, emptyDir: {}}]
  containers:
  - name: c
    image: ${env.images.busybox.ref}
    command: [sh, -c, 'if [ -f /state/ran ]; then echo second-run; sleep 3600; else touch /state/ran; echo first-run; exit 1; fi']
    volumeMounts: [{name: state, mountPath: /state}]
`,
    );
    await waitFor(
      agent,
      'restarter restarted and running',
      async () => {
        const cs = (await pods()).find((p) => p.metadata.name === 'restarter')?.status
          ?.containerStatuses?.[0];
        return cs && cs.restartCount >= 1 && cs.state.running;
      },
      90_000,
    );
    await waitFor(agent, 'second run logged', async () =>
      (await k('logs', 'restarter')).includes('second-run'),
    );
    for (const { name, bin } of KUBECTLS) {
      expect(await kubectl(bin, 'logs', 'restarter'), name).toBe('second-run\n');
      expect(await kubectl(bin, 'logs', 'restarter', '--previous'), name).toBe('first-run\n');
      expect(await kubectl(bin, 'logs', 'restarter', '-p', '--timestamps'), name).toMatch(
        /^\S+ first-run\n$/,
      );
    }
    await k('delete', 'pod', 'talker', 'restarter', '--wait=false');
  });
});
