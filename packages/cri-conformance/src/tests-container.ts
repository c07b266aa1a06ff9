import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerState, isNotFound } from '@capstan/cri-api';
import type { ConformanceTest } from './suite-types.js';

export const containerTests: ConformanceTest[] = [
  {
    category: 'container',
    name: 'CreateContainer, StartContainer, StopContainer and RemoveContainer',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.createContainer(
        pod,
        t.containerConfig('life', { command: ['sleep', '3600'], labels: { k: 'v' } }),
      );
      let { status } = await t.runtime.containerStatus({ containerId: id });
      assert.equal(status?.state, ContainerState.CONTAINER_CREATED);
      assert.equal(status?.metadata?.name, 'life');
      assert.equal(status?.labels.k, 'v');
      assert.ok(status?.imageRef, 'image_ref is empty');
      await t.runtime.startContainer({ containerId: id });
      ({ status } = await t.runtime.containerStatus({ containerId: id }));
      assert.equal(status?.state, ContainerState.CONTAINER_RUNNING);
      assert.ok((status?.startedAt ?? 0n) > 0n, 'started_at is 0');
      await t.runtime.stopContainer({ containerId: id, timeout: 5n });
      ({ status } = await t.runtime.containerStatus({ containerId: id }));
      assert.equal(status?.state, ContainerState.CONTAINER_EXITED);
      assert.ok((status?.finishedAt ?? 0n) >= (status?.startedAt ?? 0n));
      await t.runtime.removeContainer({ containerId: id });
      await assert.rejects(t.runtime.containerStatus({ containerId: id }), isNotFound);
      // Stop and remove of a removed container succeed (idempotent).
      await t.runtime.removeContainer({ containerId: id });
    },
  },
  {
    category: 'container',
    name: 'ListContainers filters by id, state, sandbox and labels',
    async run(t) {
      const pod = await t.runPod();
      const a = await t.startContainer(
        pod,
        t.containerConfig('a', { command: ['sleep', '3600'], labels: { which: 'a' } }),
      );
      const b = await t.createContainer(
        pod,
        t.containerConfig('b', { command: ['sleep', '3600'], labels: { which: 'b' } }),
      );
      const ids = async (filter: object) =>
        (await t.runtime.listContainers({ filter })).containers.map((c) => c.id).sort();
      assert.deepEqual(await ids({ id: a }), [a]);
      assert.deepEqual(await ids({ podSandboxId: pod.id }), [a, b].sort());
      assert.deepEqual(
        await ids({ podSandboxId: pod.id, state: { state: ContainerState.CONTAINER_RUNNING } }),
        [a],
      );
      assert.deepEqual(
        await ids({ podSandboxId: pod.id, state: { state: ContainerState.CONTAINER_CREATED } }),
        [b],
      );
      assert.deepEqual(await ids({ podSandboxId: pod.id, labelSelector: { which: 'b' } }), [b]);
    },
  },
  {
    category: 'container',
    name: 'StopContainer kills a container that ignores SIGTERM after the timeout',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('stubborn', {
        command: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'],
      });
      const id = await t.startContainer(pod, cfg);
      // Stop only once the trap is installed.
      const log = t.logPathOf(pod, cfg);
      await t.waitStatus(id, () => existsSync(log) && readFileSync(log, 'utf8').includes('ready'));
      await t.runtime.stopContainer({ containerId: id, timeout: 2n });
      const s = await t.waitExited(id);
      assert.equal(s.exitCode, 137, `exit code ${s.exitCode} (expected SIGKILL: 137)`);
    },
  },
  {
    category: 'container',
    name: 'exit code 0 has reason Completed',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(pod, t.containerConfig('ok', { command: ['true'] }));
      const s = await t.waitExited(id);
      assert.equal(s.exitCode, 0);
      assert.equal(s.reason, 'Completed');
    },
  },
  {
    category: 'container',
    name: 'non-zero exit code has reason Error',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('fail', { command: ['sh', '-c', 'exit 3'] }),
      );
      const s = await t.waitExited(id);
      assert.equal(s.exitCode, 3);
      assert.equal(s.reason, 'Error');
    },
  },
  {
    category: 'container',
    name: 'exceeding the memory limit gives reason OOMKilled',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('oom', {
          command: [
            'sh',
            '-c',
            'x=$(head -c 134217728 /dev/zero | tr "\\0" x); echo survived $(echo "$x" | wc -c)',
          ],
          linux: { resources: { memoryLimitInBytes: 32n * 1024n * 1024n } },
        }),
      );
      const s = await t.waitExited(id, 60_000);
      assert.equal(s.reason, 'OOMKilled', `reason ${s.reason}, exit code ${s.exitCode}`);
      assert.notEqual(s.exitCode, 0);
    },
  },
  {
    category: 'container',
    name: 'env, args and working dir are applied',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('env', {
        command: ['sh', '-c'],
        args: ['echo "$0|$1|$GREETING|$(pwd)"', 'first', 'second'],
        envs: [{ key: 'GREETING', value: 'hello world' }],
        workingDir: '/tmp',
      });
      const id = await t.startContainer(pod, cfg);
      const s = await t.waitExited(id);
      assert.equal(s.exitCode, 0);
      const log = readFileSync(t.logPathOf(pod, cfg), 'utf8');
      assert.match(log, /stdout F first\|second\|hello world\|\/tmp$/m);
    },
  },
  {
    category: 'container',
    name: 'read-only and read-write host path mounts',
    async run(t) {
      const ro = join(t.dir, 'ro');
      const rw = join(t.dir, 'rw');
      mkdirSync(ro);
      mkdirSync(rw);
      writeFileSync(join(ro, 'given.txt'), 'from the host');
      chmodSync(rw, 0o777);
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('mounts', {
          command: ['sleep', '3600'],
          mounts: [
            { containerPath: '/ro', hostPath: ro, readonly: true },
            { containerPath: '/rw', hostPath: rw, readonly: false },
          ],
        }),
      );
      assert.equal((await t.sh(id, 'cat /ro/given.txt')).out, 'from the host');
      const denied = await t.sh(id, 'echo x > /ro/new.txt');
      assert.notEqual(denied.exitCode, 0, 'wrote into a read-only mount');
      const ok = await t.sh(id, 'echo written > /rw/out.txt');
      assert.equal(ok.exitCode, 0, ok.err);
      assert.equal(readFileSync(join(rw, 'out.txt'), 'utf8'), 'written\n');
      const { status } = await t.runtime.containerStatus({ containerId: id });
      assert.ok(status?.mounts.some((m) => m.containerPath === '/ro' && m.readonly));
    },
  },
  {
    category: 'container',
    name: 'devices are mapped into the container',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('dev', {
          command: ['sleep', '3600'],
          devices: [
            { containerPath: '/dev/conformance-null', hostPath: '/dev/null', permissions: 'rwm' },
          ],
        }),
      );
      const res = await t.sh(
        id,
        'test -c /dev/conformance-null && echo char && echo data > /dev/conformance-null && echo wrote',
      );
      assert.equal(res.out, 'char\nwrote\n', res.err);
    },
  },
  {
    category: 'container',
    name: 'a container cannot start in a stopped sandbox',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.createContainer(
        pod,
        t.containerConfig('late', { command: ['sleep', '3600'] }),
      );
      await t.runtime.stopPodSandbox({ podSandboxId: pod.id });
      await assert.rejects(t.runtime.startContainer({ containerId: id }));
      const { status } = await t.runtime.containerStatus({ containerId: id });
      assert.notEqual(status?.state, ContainerState.CONTAINER_RUNNING);
    },
  },
];
