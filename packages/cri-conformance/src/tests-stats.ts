import assert from 'node:assert/strict';
import { ContainerState } from '@capstan/cri-api';
import type { ConformanceTest, TestContext } from './suite-types.js';
import { removeCgroupDirs } from './tests-sandbox.js';

async function busy(t: TestContext) {
  // The kubelet always gives pods a cgroup parent; some runtimes need it for pod stats.
  const parent = `/capstan-conformance/${t.uid}`;
  t.defer(() => removeCgroupDirs(parent));
  const pod = await t.runPod({ linux: { cgroupParent: parent } });
  const id = await t.startContainer(
    pod,
    t.containerConfig('busy', {
      command: ['sh', '-c', 'x=$(head -c 4000000 /dev/zero | tr "\\0" y); while :; do :; done'],
    }),
  );
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  return { pod, id };
}

async function eventually<T>(
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
): Promise<T> {
  let v = await get();
  for (let i = 0; i < 50 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 200));
    v = await get();
  }
  assert.ok(ok(v), what);
  return v;
}

export const statsTests: ConformanceTest[] = [
  {
    category: 'stats',
    name: 'ContainerStats reports CPU and memory of a busy container',
    async run(t) {
      const { id } = await busy(t);
      const s = await eventually(
        async () => (await t.runtime.containerStats({ containerId: id })).stats,
        (s) =>
          (s?.cpu?.usageCoreNanoSeconds?.value ?? 0n) > 0n &&
          (s?.memory?.workingSetBytes?.value ?? 0n) > 0n,
        'no CPU or memory usage reported',
      );
      assert.equal(s?.attributes?.id, id);
    },
  },
  {
    category: 'stats',
    name: 'ListContainerStats includes the container and honours the filter',
    async run(t) {
      const { pod, id } = await busy(t);
      const list = await t.runtime.listContainerStats({ filter: { podSandboxId: pod.id } });
      assert.deepEqual(
        list.stats.map((s) => s.attributes?.id),
        [id],
      );
      const byId = await t.runtime.listContainerStats({ filter: { id } });
      assert.equal(byId.stats.length, 1);
    },
  },
  {
    category: 'stats',
    name: 'PodSandboxStats reports CPU and memory for the pod',
    async run(t) {
      const { pod } = await busy(t);
      const s = await eventually(
        async () => (await t.runtime.podSandboxStats({ podSandboxId: pod.id })).stats,
        (s) =>
          (s?.linux?.cpu?.usageCoreNanoSeconds?.value ?? 0n) > 0n &&
          (s?.linux?.memory?.workingSetBytes?.value ?? 0n) > 0n,
        'no pod CPU or memory usage reported',
      );
      assert.equal(s?.attributes?.id, pod.id);
    },
  },
];
