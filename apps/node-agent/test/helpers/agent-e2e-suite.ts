import { execFileSync } from 'node:child_process';
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
import { createCgroupManager } from '@capstan/cgroups';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import { cidrContains } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Pod } from '../../src/pod/types.js';
import { type AgentProcess, removeAgentPods, startAgent } from './agent-process.js';

// The agent end to end against a real runtime with a pod network (containerd, Capstan's
// docker-shim), the agent running inside that node's network namespace as a child process,
// static pods from a directory and API pods through kubectl. What the test sees comes from
// the agent's own status socket. One suite, run by one test file per runtime.

/** A CRI runtime as a node runs it: serving inside a node netns that has a pod network. */
export interface E2eRuntime {
  /** CRI endpoint (`unix://...`). */
  address: string;
  /** The node netns by name (`ip netns exec`) and path. */
  netns: string;
  netnsPath: string;
  podCidr: string;
  stop?(): Promise<void>;
}

export function agentE2eSuite(runtimeName: string, startRuntime: () => Promise<E2eRuntime>) {
  const env = inject('testenv');
  let node: E2eRuntime;
  const dir = mkdtempSync(join(tmpdir(), 'agent-e2e-'));
  const manifests = join(dir, 'manifests');
  const statusSocket = join(dir, 'status.sock');
  const nodeName = `e2e-${process.pid}`;
  const cgroupRoot = `capstan-test-agent-${process.pid}`;
  // The "node" whose memory eviction watches: a cgroup of the test's with a 512 MiB limit.
  const nodeCgroup = `/capstan-test-node-${process.pid}`;
  let agent: AgentProcess;
  let cri: CriClient;

  const configFile = join(dir, 'config.yaml');
  const writeConfig = () =>
    writeFileSync(
      configFile,
      [
        'kind: KubeletConfiguration',
        `nodeName: ${nodeName}`,
        `containerRuntimeEndpoint: ${node.address}`,
        `staticPodPath: ${manifests}`,
        `rootDir: ${join(dir, 'root')}`,
        `podLogsDir: ${join(dir, 'logs')}`,
        `cgroupRoot: ${cgroupRoot}`,
        'healthzPort: 0',
        `statusSocket: ${statusSocket}`,
        'relistPeriodMs: 500',
        'containerLogMaxSize: 4Ki',
        'containerLogMaxFiles: 3',
        'housekeepingPeriodMs: 500',
        `nodeCgroup: ${nodeCgroup}`,
        'evictionHard: memory.available<200Mi',
        'evictionPressureTransitionPeriod: 2s',
        'allowedUnsafeSysctls: [kernel.msgmax]',
        'podApi:',
        '  enabled: true',
        `  socket: ${join(dir, 'pod-api.sock')}`,
        `  kubeconfig: ${join(dir, 'kubeconfig')}`,
      ].join('\n'),
    );
  mkdirSync(manifests);

  const manifest = (name: string, spec: object) =>
    writeFileSync(
      join(manifests, `${name}.json`),
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec }),
    );

  async function pods(): Promise<Pod[]> {
    return (await agent.get<{ items: Pod[] }>('/pods')).items ?? [];
  }
  async function pod(name: string) {
    return (await pods()).find((p) => p.metadata.name === `${name}-${nodeName}`);
  }
  async function until<T>(
    what: string,
    fn: () => Promise<T | undefined | false>,
    timeoutMs = 60_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v) return v as T;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    writeFileSync(join(tmpdir(), `agent-e2e-${process.pid}.log`), agent.output());
    throw new Error(
      `timed out waiting for ${what}${last ? ` (${last})` : ''}; agent output in ${join(tmpdir(), `agent-e2e-${process.pid}.log`)}:\n${agent.output().slice(-2000)}`,
    );
  }

  beforeAll(async () => {
    node = await startRuntime();
    writeConfig();
    await createCgroupManager().create(nodeCgroup, { memory: { limit: 512 * 2 ** 20 } });
    cri = await connectCriClient(node.address);
    agent = startAgent({ netnsPath: node.netnsPath, configFile, statusSocket });
    await until('agent status socket', () => agent.get('/healthz').then(() => true));
  });

  afterAll(async () => {
    await agent?.stop();
    // Everything the agent made: its sandboxes (and their containers).
    await removeAgentPods(cri, nodeName);
    cri.close();
    // The node cgroup and everything under it (the agent's pod hierarchy): kill what is left, remove.
    await createCgroupManager().destroy(nodeCgroup, { timeoutMs: 10_000 });
    // runc also makes the containers' cgroups in the hierarchies the manager does not handle
    // (name=systemd, the controller-less cgroup2 mount): remove those empty directories too.
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
          { stdio: 'ignore' },
        );
      } catch {}
    }
    // Volumes of pods a failed test left (memory-backed emptyDirs are tmpfs mounts).
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
      const mount = line.split(' ')[4];
      if (mount?.startsWith(`${dir}/`)) execFileSync('umount', ['-l', mount]);
    }
    rmSync(dir, { recursive: true, force: true });
    await node?.stop?.();
  });

  describe(`node agent with ${runtimeName}`, () => {
    it('runs a static web pod to Running and Ready, with its readiness probe', async () => {
      manifest('web', {
        containers: [
          {
            name: 'httpd',
            image: env.images.httpd.ref,
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          },
        ],
      });
      const p = await until('web Running and Ready', async () => {
        const x = await pod('web');
        return (
          x?.status?.phase === 'Running' &&
          x.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' &&
          x
        );
      });
      expect(cidrContains(node.podCidr, p.status!.podIP!)).toBe(true);
      const cs = p.status!.containerStatuses![0]!;
      expect(cs.ready).toBe(true);
      expect(cs.restartCount).toBe(0);
      expect(cs.imageID).toContain('sha256:');
      expect(p.status?.qosClass).toBe('BestEffort');
      // The kubelet's runtime and pod metrics, from this run.
      const metrics = await agent.get<string>('/metrics');
      const value = (series: string) =>
        Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(
        value(
          'capstan_runtime_operations_duration_seconds_count{operation_type="run_pod_sandbox"}',
        ),
      ).toBeGreaterThanOrEqual(1);
      expect(value('capstan_running_pods')).toBeGreaterThanOrEqual(1);
      expect(value('capstan_running_containers{container_state="running"}')).toBeGreaterThanOrEqual(
        1,
      );
      // The pod really serves, from the node's network.
      const page = execFileSync('ip', [
        'netns',
        'exec',
        node.netns,
        'sh',
        '-c',
        `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 2 ${p.status!.podIP} 8080`,
      ]).toString();
      expect(page).toContain('capstan httpd ok');
    });

    it('restarts a crash-looping container with growing back-off', async () => {
      manifest('crash', {
        containers: [
          {
            name: 'c',
            image: env.images.busybox.ref,
            command: ['sh', '-c', 'echo crashing; exit 3'],
          },
        ],
      });
      const p = await until(
        'crash restarted twice',
        async () => {
          const x = await pod('crash');
          const cs = x?.status?.containerStatuses?.[0];
          return cs && cs.restartCount >= 2 && x;
        },
        90_000,
      );
      const cs = p.status!.containerStatuses![0]!;
      expect(cs.lastState.terminated?.exitCode).toBe(3);
      const waiting = await until(
        'CrashLoopBackOff',
        async () => {
          const s = (await pod('crash'))?.status?.containerStatuses?.[0]?.state.waiting;
          return s?.reason === 'CrashLoopBackOff' && s;
        },
        30_000,
      );
      expect(waiting.message).toMatch(/back-off (10|20|40)s/);
    });

    it('restarts a container whose liveness probe fails', async () => {
      manifest('live', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: env.images.busybox.ref,
            command: ['sh', '-c', 'touch /tmp/alive; sleep 3; rm /tmp/alive; sleep 3600'],
            livenessProbe: {
              exec: { command: ['test', '-f', '/tmp/alive'] },
              periodSeconds: 1,
              failureThreshold: 2,
            },
          },
        ],
      });
      const p = await until('liveness restart', async () => {
        const x = await pod('live');
        return (x?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && x;
      });
      expect(p.status!.containerStatuses![0]!.lastState.terminated).toBeDefined();
    });

    it('reports a bad manifest and keeps running the others', async () => {
      writeFileSync(
        join(manifests, 'broken.yaml'),
        'kind: Pod\nmetadata: {}\nspec: {containers: []}\n',
      );
      const errors = await until('manifest error', async () => {
        const e = await agent.get<{ file: string; reason: string }[]>('/manifest-errors');
        return e.length > 0 && e;
      });
      expect(errors[0]!.file).toContain('broken.yaml');
      expect(errors[0]!.reason).toContain('metadata.name');
      expect((await pod('web'))?.status?.phase).toBe('Running');
      unlinkSync(join(manifests, 'broken.yaml'));
    });

    it('applies safe and allowed unsafe sysctls; refuses others with SysctlForbidden before the runtime', async () => {
      const sleeper = [{ name: 'c', image: env.images.busybox.ref, command: ['sleep', '3600'] }];
      manifest('sysctl-ok', {
        securityContext: {
          sysctls: [
            { name: 'kernel.shm_rmid_forced', value: '1' },
            { name: 'kernel.msgmax', value: '12345' },
          ],
        },
        containers: sleeper,
        terminationGracePeriodSeconds: 1,
      });
      manifest('sysctl-forbidden', {
        securityContext: { sysctls: [{ name: 'fs.mqueue.msg_max', value: '20' }] },
        containers: sleeper,
        terminationGracePeriodSeconds: 1,
      });
      const ok = await until('sysctl-ok running', async () => {
        const x = await pod('sysctl-ok');
        const running =
          x?.status?.phase === 'Running' && !!x.status.containerStatuses?.[0]?.containerID;
        return running && x;
      });
      const containerId = ok.status!.containerStatuses![0]!.containerID!.split('://')[1]!;
      const read = await cri.runtime.execSync({
        containerId,
        cmd: ['cat', '/proc/sys/kernel/msgmax', '/proc/sys/kernel/shm_rmid_forced'],
        timeout: 10n,
      });
      expect(Buffer.from(read.stdout).toString().split(/\s+/).filter(Boolean)).toEqual([
        '12345',
        '1',
      ]);
      const bad = await until('sysctl-forbidden Failed', async () => {
        const x = await pod('sysctl-forbidden');
        return x?.status?.phase === 'Failed' && x;
      });
      expect(bad.status?.reason).toBe('SysctlForbidden');
      expect(bad.status?.message).toContain('"fs.mqueue.msg_max"');
      const reached = await cri.runtime.listPodSandbox({
        filter: { labelSelector: { 'io.kubernetes.pod.uid': bad.metadata.uid! } },
      });
      expect(reached.items).toEqual([]);
      unlinkSync(join(manifests, 'sysctl-ok.json'));
      unlinkSync(join(manifests, 'sysctl-forbidden.json'));
      await until(
        'sysctl pods gone',
        async () => !(await pod('sysctl-ok')) && !(await pod('sysctl-forbidden')),
      );
    });

    it('after kill -9 with 20 pods running, restarts and has every status right within 5 s, no container restarted', async () => {
      const fleet = Array.from({ length: 20 }, (_, i) => `fleet-${i}`);
      for (const name of fleet) {
        manifest(name, {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: env.images.busybox.ref, command: ['sleep', '3600'] }],
        });
      }
      const running = async () => {
        const all = await pods();
        const want = [...fleet.map((n) => `${n}-${nodeName}`), `web-${nodeName}`];
        const found = want.map((n) => all.find((p) => p.metadata.name === n));
        return found.every((p) => p?.status?.phase === 'Running') && (found as Pod[]);
      };
      const before = await until('20 pods and web Running', running, 120_000);
      const ids = new Map(
        before.map((p) => [p.metadata.name, p.status!.containerStatuses![0]!.containerID]),
      );
      await agent.kill9();
      const restartedAt = Date.now();
      agent = startAgent({ netnsPath: node.netnsPath, configFile, statusSocket });
      const after = await until(
        'every status right again',
        async () => {
          const ps = await running();
          if (!ps) return false;
          const right = ps.every((p) => {
            const cs = p.status!.containerStatuses![0]!;
            return cs.ready && cs.containerID === ids.get(p.metadata.name) && cs.restartCount === 0;
          });
          return right && ps;
        },
        30_000,
      );
      const tookMs = Date.now() - restartedAt;
      process.stderr.write(`${runtimeName}: statuses right ${tookMs} ms after the restart\n`);
      expect(tookMs).toBeLessThanOrEqual(5_000);
      expect(after).toHaveLength(21);
      // Nothing leaked: removing the manifests removes every sandbox of the 20 pods.
      const uids = after
        .filter((p) => p.metadata.name.startsWith('fleet-'))
        .map((p) => p.metadata.uid!);
      for (const name of fleet) unlinkSync(join(manifests, `${name}.json`));
      await until(
        'the 20 pods gone',
        async () => !(await pods()).some((p) => p.metadata.name.startsWith('fleet-')),
        60_000,
      );
      await until('their sandboxes gone', async () => {
        const { items } = await cri.runtime.listPodSandbox({});
        return !items.some((s) => uids.includes(s.labels['io.kubernetes.pod.uid'] ?? ''));
      });
    });

    it('serves kubectl: apply, get, logs, exec, port-forward, delete (kubectl runs on the node)', async () => {
      const kubectl = (...args: string[]) =>
        execFileSync(
          'ip',
          [
            'netns',
            'exec',
            node.netns,
            'kubectl',
            '--kubeconfig',
            join(dir, 'kubeconfig'),
            ...args,
          ],
          {
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
      const manifestFile = join(dir, 'api-pod.yaml');
      writeFileSync(
        manifestFile,
        `apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-pod\n  labels: {via: kubectl}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: ${env.images.busybox.ref}\n    command: [sh, -c, 'echo hello from api-pod; sleep 3600']\n`,
      );
      expect(kubectl('apply', '-f', manifestFile)).toContain('pod/api-pod created');
      // Running and ready (READY 1/1 in kubectl's table): the phase can turn Running one
      // status update before the container counts as ready.
      await until('api-pod Running and ready', async () =>
        (await pods()).find(
          (p) =>
            p.metadata.name === 'api-pod' &&
            p.status?.phase === 'Running' &&
            p.status.containerStatuses?.[0]?.ready === true,
        ),
      );
      expect(kubectl('get', 'pods', '-l', 'via=kubectl')).toMatch(/api-pod\s+1\/1\s+Running\s+0/);
      await until('api-pod logs', async () =>
        kubectl('logs', 'api-pod').includes('hello from api-pod'),
      );
      expect(kubectl('exec', 'api-pod', '--', 'sh', '-c', 'echo exec-ok $((6*7))')).toBe(
        'exec-ok 42\n',
      );
      // kubectl port-forward to the static web pod, from the node (its loopback is the
      // node netns' own); the forward is stopped by its PID.
      const kc = join(dir, 'kubeconfig');
      const forwarded = execFileSync(
        'ip',
        [
          'netns',
          'exec',
          node.netns,
          'sh',
          '-c',
          `kubectl --kubeconfig ${kc} port-forward pod/web-${nodeName} 18080:8080 >/dev/null 2>&1 & pf=$!; ` +
            `for i in $(seq 1 100); do ` +
            `if printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 2 127.0.0.1 18080 2>/dev/null | grep -q 'capstan httpd ok'; then echo FORWARDED; break; fi; ` +
            `sleep 0.2; done; kill $pf; wait $pf 2>/dev/null; true`,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(forwarded).toContain('FORWARDED');
      // An API pod survives an agent crash: restored from its checkpoint, its container adopted.
      const before = (await pods()).find((p) => p.metadata.name === 'api-pod')!.status!
        .containerStatuses![0]!.containerID;
      await agent.kill9();
      agent = startAgent({ netnsPath: node.netnsPath, configFile, statusSocket });
      const after = await until('api-pod back after restart', async () => {
        const p = (await pods()).find((x) => x.metadata.name === 'api-pod');
        return p?.status?.phase === 'Running' && p;
      });
      expect(after.status!.containerStatuses![0]!.containerID).toBe(before);
      expect(after.status!.containerStatuses![0]!.restartCount).toBe(0);
      expect(kubectl('delete', 'pod', 'api-pod')).toContain('pod "api-pod" deleted');
      expect((await pods()).some((p) => p.metadata.name === 'api-pod')).toBe(false);
    });

    it('rotates a chatty container log through ReopenContainerLog, keeping maxFiles', async () => {
      manifest('chatty', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: env.images.busybox.ref,
            command: [
              'sh',
              '-c',
              'i=0; while :; do i=$((i+1)); echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.01; done',
            ],
          },
        ],
      });
      const p = await until('chatty Running', async () => {
        const x = await pod('chatty');
        return x?.status?.phase === 'Running' && x;
      });
      const logDir = join(dir, 'logs', `default_${p.metadata.name}_${p.metadata.uid}`, 'c');
      const files = await until(
        'two rotations',
        async () => {
          const f = readdirSync(logDir);
          return f.filter((x) => x.startsWith('0.log.')).length >= 2 && f;
        },
        30_000,
      );
      // Only maxFiles (3) files are kept, the live one included, and the live one keeps growing.
      expect(files.length).toBeLessThanOrEqual(3);
      expect(files).toContain('0.log');
      await until('the live log is written again', async () =>
        readFileSync(join(logDir, '0.log'), 'utf8').includes('stdout F line-'),
      );
      unlinkSync(join(manifests, 'chatty.json'));
      await until('chatty gone', async () => !(await pod('chatty')));
    });

    it("evicts the pod eating the node's memory before the kernel OOM killer acts, and no other", async () => {
      const create = (pod: object) =>
        new Promise<number>((resolve, reject) => {
          const body = JSON.stringify(pod);
          const req = request(
            {
              socketPath: join(dir, 'pod-api.sock'),
              method: 'POST',
              path: '/api/v1/namespaces/default/pods',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const base = (name: string, script: string) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: {
          terminationGracePeriodSeconds: 0,
          volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }],
          containers: [
            {
              name: 'c',
              image: env.images.busybox.ref,
              command: ['sh', '-c', script],
              volumeMounts: [{ name: 'mem', mountPath: '/mem' }],
              resources: { requests: { memory: '16Mi' } },
            },
          ],
        },
      });
      expect(await create(base('calm', 'sleep 3600'))).toBe(201);
      await until('calm Running', async () =>
        (await pods()).find((p) => p.metadata.name === 'calm' && p.status?.phase === 'Running'),
      );
      // 4 MiB more every 50 ms into a memory-backed volume: charged to the pod's cgroup.
      expect(
        await create(
          base(
            'hog',
            'i=0; while :; do dd if=/dev/zero of=/mem/f$i bs=1M count=4 2>/dev/null; i=$((i+1)); sleep 0.05; done',
          ),
        ),
      ).toBe(201);
      const hog = await until(
        'hog Evicted',
        async () => {
          const p = (await pods()).find((x) => x.metadata.name === 'hog');
          return p?.status?.reason === 'Evicted' && p;
        },
        90_000,
      );
      expect(hog.status?.phase).toBe('Failed');
      expect(hog.status?.message).toMatch(/memory/i);
      expect((await pods()).find((p) => p.metadata.name === 'calm')?.status?.phase).toBe('Running');
      const oom = readFileSync(`/sys/fs/cgroup/memory${nodeCgroup}/memory.oom_control`, 'utf8');
      expect(/oom_kill (\d+)/.exec(oom)?.[1] ?? '0').toBe('0');
      for (const name of ['calm', 'hog']) {
        await new Promise<void>((resolve) => {
          const req = request(
            {
              socketPath: join(dir, 'pod-api.sock'),
              method: 'DELETE',
              path: `/api/v1/namespaces/default/pods/${name}`,
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve());
            },
          );
          req.end();
        });
      }
      await until(
        'calm and hog gone',
        async () =>
          !(await pods()).some((p) => p.metadata.name === 'calm' || p.metadata.name === 'hog'),
      );
    });

    it('removing a manifest deletes the pod and its sandbox', async () => {
      const uid = (await pod('crash'))!.metadata.uid!;
      unlinkSync(join(manifests, 'crash.json'));
      await until('crash gone', async () => !(await pod('crash')));
      const left = await cri.runtime.listPodSandbox({
        filter: { labelSelector: { 'io.kubernetes.pod.uid': uid } },
      });
      expect(left.items).toEqual([]);
      // Its pod cgroup is gone from every hierarchy, runc's copies (name=systemd, the
      // cgroup2 mount) included.
      const podCgroups = await until('pod cgroup gone everywhere', async () => {
        const found = execFileSync(
          'find',
          ['/sys/fs/cgroup', '-maxdepth', '6', '-type', 'd', '-name', `pod${uid}`],
          { encoding: 'utf8' },
        ).trim();
        return found === '' && 'none';
      });
      expect(podCgroups).toBe('none');
    });
  });
}
