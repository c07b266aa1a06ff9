import assert from 'node:assert/strict';
import { ContainerState } from '@capstan/cri-api';
import type { ConformanceTest, TestContext } from './suite-types.js';

// Reads a limit as the container sees it, on cgroup v1 or v2.
const MEMORY =
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max';
const CPU =
  'echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max)';

async function limited(t: TestContext) {
  const pod = await t.runPod();
  const id = await t.startContainer(
    pod,
    t.containerConfig('limits', {
      command: ['sleep', '3600'],
      linux: {
        resources: {
          memoryLimitInBytes: 64n << 20n,
          cpuQuota: 50_000n,
          cpuPeriod: 100_000n,
          cpuShares: 512n,
        },
      },
    }),
  );
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  return id;
}

export const resourceTests: ConformanceTest[] = [
  {
    category: 'resources',
    name: 'CPU and memory limits are applied at create',
    async run(t) {
      const id = await limited(t);
      assert.equal((await t.sh(id, MEMORY)).out.trim(), String(64 << 20));
      assert.equal((await t.sh(id, CPU)).out.trim(), '50000 100000');
    },
  },
  {
    category: 'resources',
    name: 'UpdateContainerResources changes the limits seen inside',
    async run(t) {
      const id = await limited(t);
      await t.runtime.updateContainerResources({
        containerId: id,
        linux: {
          memoryLimitInBytes: 96n << 20n,
          cpuQuota: 20_000n,
          cpuPeriod: 100_000n,
          cpuShares: 512n,
        },
      });
      assert.equal((await t.sh(id, MEMORY)).out.trim(), String(96 << 20));
      assert.equal((await t.sh(id, CPU)).out.trim(), '20000 100000');
      const { status } = await t.runtime.containerStatus({ containerId: id });
      if (status?.resources?.linux)
        assert.equal(status.resources.linux.memoryLimitInBytes, 96n << 20n);
    },
  },
];
