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
    expect(raw.window).toMatch(/^\d+(\.\d+)?s$/);
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
});
