import assert from 'node:assert/strict';
import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isNotFound, PodSandboxState } from '@capstan/cri-api';
import type { ConformanceTest } from './suite-types.js';

const sleeper = (t: Parameters<ConformanceTest['run']>[0], name = 'sleeper') =>
  t.containerConfig(name, { command: ['sleep', '3600'] });

export const sandboxTests: ConformanceTest[] = [
  {
    category: 'sandbox',
    name: 'RunPodSandbox, PodSandboxStatus, StopPodSandbox and RemovePodSandbox',
    async run(t) {
      const pod = await t.runPod();
      let { status } = await t.runtime.podSandboxStatus({ podSandboxId: pod.id });
      assert.equal(status?.state, PodSandboxState.SANDBOX_READY);
      assert.equal(status?.metadata?.name, pod.config.metadata?.name);
      assert.equal(status?.metadata?.uid, pod.config.metadata?.uid);
      assert.ok((status?.createdAt ?? 0n) > 0n, 'created_at is 0');
      await t.runtime.stopPodSandbox({ podSandboxId: pod.id });
      ({ status } = await t.runtime.podSandboxStatus({ podSandboxId: pod.id }));
      assert.equal(status?.state, PodSandboxState.SANDBOX_NOTREADY);
      await t.runtime.removePodSandbox({ podSandboxId: pod.id });
      await assert.rejects(t.runtime.podSandboxStatus({ podSandboxId: pod.id }), isNotFound);
    },
  },
  {
    category: 'sandbox',
    name: 'ListPodSandbox filters by id, state and labels',
    async run(t) {
      const a = await t.runPod({
        metadata: { name: `a-${t.uid}` },
        labels: { which: 'a', uid: t.uid },
      });
      const b = await t.runPod({
        metadata: { name: `b-${t.uid}`, uid: `b-${t.uid}` },
        labels: { which: 'b', uid: t.uid },
      });
      await t.runtime.stopPodSandbox({ podSandboxId: b.id });
      const byId = await t.runtime.listPodSandbox({ filter: { id: a.id } });
      assert.deepEqual(
        byId.items.map((p) => p.id),
        [a.id],
      );
      const byLabel = await t.runtime.listPodSandbox({
        filter: { labelSelector: { uid: t.uid, which: 'b' } },
      });
      assert.deepEqual(
        byLabel.items.map((p) => p.id),
        [b.id],
      );
      const ready = await t.runtime.listPodSandbox({
        filter: { labelSelector: { uid: t.uid }, state: { state: PodSandboxState.SANDBOX_READY } },
      });
      assert.deepEqual(
        ready.items.map((p) => p.id),
        [a.id],
      );
      const notReady = await t.runtime.listPodSandbox({
        filter: {
          labelSelector: { uid: t.uid },
          state: { state: PodSandboxState.SANDBOX_NOTREADY },
        },
      });
      assert.deepEqual(
        notReady.items.map((p) => p.id),
        [b.id],
      );
      const both = await t.runtime.listPodSandbox({ filter: { labelSelector: { uid: t.uid } } });
      assert.deepEqual(both.items.map((p) => p.id).sort(), [a.id, b.id].sort());
    },
  },
  {
    category: 'sandbox',
    name: 'StopPodSandbox and RemovePodSandbox are idempotent',
    async run(t) {
      const pod = await t.runPod();
      await t.runtime.stopPodSandbox({ podSandboxId: pod.id });
      await t.runtime.stopPodSandbox({ podSandboxId: pod.id });
      await t.runtime.removePodSandbox({ podSandboxId: pod.id });
      await t.runtime.removePodSandbox({ podSandboxId: pod.id });
      await t.runtime.stopPodSandbox({ podSandboxId: pod.id });
    },
  },
  {
    category: 'sandbox',
    name: 'RemovePodSandbox of a running sandbox stops it and removes its containers',
    async run(t) {
      const pod = await t.runPod();
      const c = await t.startContainer(pod, sleeper(t));
      await t.runtime.removePodSandbox({ podSandboxId: pod.id });
      await assert.rejects(t.runtime.containerStatus({ containerId: c }), isNotFound);
      const left = await t.runtime.listContainers({ filter: { podSandboxId: pod.id } });
      assert.deepEqual(left.containers, []);
    },
  },
  {
    category: 'sandbox',
    name: 'labels and annotations are reported',
    async run(t) {
      const pod = await t.runPod({
        labels: { tier: 'front' },
        annotations: { 'example.com/note': 'a b c' },
      });
      const { status } = await t.runtime.podSandboxStatus({ podSandboxId: pod.id });
      assert.equal(status?.labels.tier, 'front');
      assert.equal(status?.annotations['example.com/note'], 'a b c');
      const listed = await t.runtime.listPodSandbox({ filter: { id: pod.id } });
      assert.equal(listed.items[0]?.annotations['example.com/note'], 'a b c');
    },
  },
  {
    category: 'sandbox',
    name: 'hostname is set in the pod UTS namespace',
    async run(t) {
      const pod = await t.runPod({ hostname: `h-${t.uid}`.slice(0, 60) });
      const c = await t.startContainer(pod, sleeper(t));
      const res = await t.sh(c, 'hostname');
      assert.equal(res.out.trim(), pod.config.hostname);
    },
  },
  {
    category: 'sandbox',
    name: 'DNS config is written to resolv.conf',
    async run(t) {
      const pod = await t.runPod({
        dnsConfig: {
          servers: ['127.0.0.53'],
          searches: ['conformance.test', 'example.test'],
          options: ['ndots:3'],
        },
      });
      const c = await t.startContainer(pod, sleeper(t));
      const conf = (await t.sh(c, 'cat /etc/resolv.conf')).out;
      assert.match(conf, /^nameserver 127\.0\.0\.53$/m);
      assert.match(conf, /^search conformance\.test example\.test$/m);
      assert.match(conf, /^options ndots:3$/m);
    },
  },
  {
    category: 'sandbox',
    name: 'cgroup parent is honoured',
    async run(t) {
      const parent = `/capstan-conformance/${t.uid}`;
      t.defer(() => removeCgroupDirs(parent));
      const pod = await t.runPod({ linux: { cgroupParent: parent } });
      const c = await t.startContainer(pod, sleeper(t));
      const cg = (await t.sh(c, 'cat /proc/self/cgroup')).out;
      // Without a cgroup namespace the path is absolute; with one it is relative to the pod.
      const inParent = cg.includes(parent);
      const namespaced = /^0::\/$/m.test(cg) || cg.split('\n').every((l) => !l || l.endsWith(':/'));
      assert.ok(inParent || namespaced, `container cgroups not under ${parent}:\n${cg}`);
      if (!inParent) {
        const host = readdirSync('/sys/fs/cgroup').some((d) =>
          safeExists(join('/sys/fs/cgroup', d, parent)),
        );
        assert.ok(host, `no cgroup ${parent} on the host`);
      }
    },
  },
];

function safeExists(p: string) {
  try {
    readdirSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Removes a cgroup path (and its now-empty parents up to the first level) in every hierarchy. */
export async function removeCgroupDirs(path: string) {
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const parts = path.split('/').filter(Boolean);
    for (let i = parts.length; i > 0; i--) {
      try {
        rmdirSync(join('/sys/fs/cgroup', ctrl, ...parts.slice(0, i)));
      } catch {
        break;
      }
    }
  }
}
