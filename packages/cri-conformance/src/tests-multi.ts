import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerState } from '@capstan/cri-api';
import type { ConformanceTest } from './suite-types.js';
import { httpGet } from './tests-network.js';

export const multiContainerTests: ConformanceTest[] = [
  {
    category: 'multi-container',
    name: 'containers of a pod share the network namespace (localhost)',
    async run(t) {
      const pod = await t.runPod();
      await t.startContainer(
        pod,
        t.containerConfig('server', { image: { image: t.images.httpd } }),
      );
      const client = await t.startContainer(
        pod,
        t.containerConfig('client', { command: ['sleep', '3600'] }),
      );
      await t.waitStatus(client, (s) => s.state === ContainerState.CONTAINER_RUNNING);
      let res = await t.sh(client, httpGet('127.0.0.1', 8080));
      for (let i = 0; i < 30 && res.exitCode !== 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        res = await t.sh(client, httpGet('127.0.0.1', 8080));
      }
      assert.match(res.out, /httpd ok/, `localhost:8080 from the second container: ${res.err}`);
    },
  },
  {
    category: 'multi-container',
    name: 'containers of a pod share a host path volume',
    async run(t) {
      const shared = join(t.dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      const pod = await t.runPod();
      const mounts = [{ containerPath: '/shared', hostPath: shared }];
      const writer = await t.startContainer(
        pod,
        t.containerConfig('writer', {
          command: ['sh', '-c', 'echo from-writer > /shared/note; sleep 3600'],
          mounts,
        }),
      );
      const reader = await t.startContainer(
        pod,
        t.containerConfig('reader', { command: ['sleep', '3600'], mounts }),
      );
      await t.waitStatus(writer, (s) => s.state === ContainerState.CONTAINER_RUNNING);
      let res = await t.sh(reader, 'cat /shared/note');
      for (let i = 0; i < 30 && res.out !== 'from-writer\n'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await t.sh(reader, 'cat /shared/note');
      }
      assert.equal(res.out, 'from-writer\n');
    },
  },
];
