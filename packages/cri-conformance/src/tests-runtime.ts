import assert from 'node:assert/strict';
import { CgroupDriver } from '@capstan/cri-api';
import type { ConformanceTest } from './suite-types.js';

export const runtimeTests: ConformanceTest[] = [
  {
    category: 'runtime',
    name: 'Version reports runtime name, version and CRI API version',
    async run(t) {
      const v = await t.runtime.version({ version: 'v1' });
      assert.ok(v.runtimeName.length > 0, 'runtime_name is empty');
      assert.ok(v.runtimeVersion.length > 0, 'runtime_version is empty');
      assert.match(
        v.runtimeApiVersion,
        /^(v1|0\.1\.0)$/,
        `runtime_api_version ${v.runtimeApiVersion}`,
      );
    },
  },
  {
    category: 'runtime',
    name: 'Status reports RuntimeReady true and a NetworkReady condition',
    async run(t) {
      const { status } = await t.runtime.status({ verbose: false });
      const byType = new Map(status?.conditions.map((c) => [c.type, c]));
      assert.equal(byType.get('RuntimeReady')?.status, true, 'RuntimeReady is not true');
      assert.ok(byType.has('NetworkReady'), 'no NetworkReady condition');
      for (const c of status?.conditions ?? []) {
        if (!c.status)
          assert.ok(c.reason.length > 0, `condition ${c.type} is false without a reason`);
      }
    },
  },
  {
    category: 'runtime',
    name: 'RuntimeConfig reports the cgroup driver',
    async run(t) {
      const res = await t.runtime.runtimeConfig({});
      const driver = res.linux?.cgroupDriver;
      assert.ok(
        driver === CgroupDriver.CGROUPFS || driver === CgroupDriver.SYSTEMD,
        `cgroup driver ${driver}`,
      );
    },
  },
];
