import assert from 'node:assert/strict';
import { ContainerState, NamespaceMode } from '@capstan/cri-api';
import type { ConformanceTest, Pod, TestContext } from './suite-types.js';

async function httpdPod(t: TestContext, overrides: Parameters<TestContext['runPod']>[0] = {}) {
  const pod = await t.runPod(overrides);
  const id = await t.startContainer(
    pod,
    t.containerConfig('httpd', { image: { image: t.images.httpd } }),
  );
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  const { status } = await t.runtime.podSandboxStatus({ podSandboxId: pod.id });
  const ip = status?.network?.ip ?? '';
  return { pod, id, ip };
}

/** A shell command that GETs `/` over plain TCP (busybox wget crashes when built static). */
export const httpGet = (host: string, port: number) =>
  `printf 'GET / HTTP/1.0\\r\\nHost: t\\r\\n\\r\\n' | nc -w 2 ${host} ${port}`;

/** Retries a fetch for a while: the server in a fresh container needs a moment to listen. */
async function fetchFrom(run: () => Promise<{ code: number; stdout: string }>, tries = 30) {
  let last = { code: -1, stdout: '' };
  for (let i = 0; i < tries; i++) {
    last = await run();
    if (last.code === 0) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

function needHost(t: TestContext) {
  if (!t.hostExec) t.skip('no --host-exec: cannot run commands in the node network namespace');
  return t.hostExec!;
}

export const networkTests: ConformanceTest[] = [
  {
    category: 'network',
    name: 'the pod IP is reported and reachable from the node',
    async run(t) {
      const host = needHost(t);
      const { ip } = await httpdPod(t);
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$|:/, `pod IP ${JSON.stringify(ip)}`);
      const res = await fetchFrom(() => host(['sh', '-c', httpGet(ip, 8080)]));
      assert.equal(res.code, 0, `GET from the node to ${ip}:8080 failed`);
      assert.match(res.stdout, /httpd ok/);
    },
  },
  {
    category: 'network',
    name: 'two pods reach each other over the pod network',
    async run(t) {
      const a = await httpdPod(t);
      const b = await t.runPod({ metadata: { name: `b-${t.uid}`, uid: `b-${t.uid}` } });
      const client = await t.startContainer(
        b,
        t.containerConfig('client', { command: ['sleep', '3600'] }),
      );
      const res = await fetchFrom(async () => {
        const r = await t.sh(client, httpGet(a.ip, 8080));
        return { code: r.exitCode, stdout: r.out };
      });
      assert.equal(res.code, 0, `pod b could not reach pod a at ${a.ip}`);
      assert.match(res.stdout, /httpd ok/);
    },
  },
  {
    category: 'network',
    name: 'a hostPort mapping reaches the pod',
    async run(t) {
      const host = needHost(t);
      const hostPort = 30_000 + Math.floor(Math.random() * 2000);
      const { ip } = await httpdPod(t, { portMappings: [{ containerPort: 8080, hostPort }] });
      // The node's own address on the pod network side: any local non-loopback IPv4.
      const addrs = (await host(['ip', '-4', '-o', 'addr', 'show'])).stdout
        .split('\n')
        .map((l) => /inet (\d+\.\d+\.\d+\.\d+)/.exec(l)?.[1])
        .filter((a): a is string => !!a && !a.startsWith('127.') && a !== ip);
      assert.ok(addrs.length > 0, 'the node has no non-loopback address to reach the host port on');
      const res = await fetchFrom(() => host(['sh', '-c', httpGet(addrs[0]!, hostPort)]));
      assert.equal(res.code, 0, `GET ${addrs[0]}:${hostPort} failed`);
      assert.match(res.stdout, /httpd ok/);
    },
  },
  {
    category: 'network',
    name: 'host network mode shares the node network namespace',
    async run(t) {
      const host = needHost(t);
      const pod: Pod = await t.runPod({
        linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
      });
      const id = await t.startContainer(
        pod,
        t.containerConfig('hostnet', { command: ['sleep', '3600'] }),
      );
      const inside = (await t.sh(id, 'readlink /proc/self/ns/net')).out.trim();
      const node = (await host(['readlink', '/proc/self/ns/net'])).stdout.trim();
      assert.equal(inside, node);
    },
  },
];
