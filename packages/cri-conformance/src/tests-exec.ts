import assert from 'node:assert/strict';
import { ContainerState } from '@capstan/cri-api';
import type { ConformanceTest, TestContext } from './suite-types.js';

async function running(t: TestContext) {
  const pod = await t.runPod();
  const id = await t.startContainer(pod, t.containerConfig('exec', { command: ['sleep', '3600'] }));
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  return id;
}

export const execTests: ConformanceTest[] = [
  {
    category: 'exec',
    name: 'ExecSync returns stdout, stderr and the exit code',
    async run(t) {
      const id = await running(t);
      const res = await t.sh(id, 'echo to-out; echo to-err >&2; exit 7');
      assert.equal(res.out, 'to-out\n');
      assert.equal(res.err, 'to-err\n');
      assert.equal(res.exitCode, 7);
    },
  },
  {
    category: 'exec',
    name: 'ExecSync sees the container environment and filesystem',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('exec-env', {
          command: ['sh', '-c', 'echo marker > /tmp/marker; sleep 3600'],
          envs: [{ key: 'FROM_SPEC', value: 'yes' }],
        }),
      );
      await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
      let res = await t.sh(id, 'cat /tmp/marker; echo $FROM_SPEC');
      for (let i = 0; i < 20 && res.out !== 'marker\nyes\n'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await t.sh(id, 'cat /tmp/marker; echo $FROM_SPEC');
      }
      assert.equal(res.out, 'marker\nyes\n');
    },
  },
  {
    category: 'exec',
    name: 'ExecSync past its timeout fails',
    async run(t) {
      const id = await running(t);
      await assert.rejects(t.sh(id, 'sleep 30', 1));
      // The container is still healthy afterwards.
      assert.equal((await t.sh(id, 'echo alive')).out, 'alive\n');
    },
  },
  {
    category: 'exec',
    name: 'ExecSync in an exited container fails',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(pod, t.containerConfig('gone', { command: ['true'] }));
      await t.waitExited(id);
      await assert.rejects(t.sh(id, 'echo hi'));
    },
  },
];
