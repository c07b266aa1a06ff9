import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import {
  type ContainerConfig,
  ContainerState,
  type DeepPartial,
  NamespaceMode,
  SecurityProfile_ProfileType,
} from '@capstan/cri-api';
import type { ConformanceTest, TestContext } from './suite-types.js';
import { merge } from './test-context.js';

let probes = 0;

/** Runs `script` in a sleeping container of a fresh pod built with the given overrides. */
async function probe(
  t: TestContext,
  script: string,
  container: DeepPartial<ContainerConfig> = {},
  pod: Parameters<TestContext['runPod']>[0] = {},
) {
  const p = await t.runPod(merge({ metadata: { name: `pod-${t.uid}-${++probes}` } }, pod ?? {}));
  const id = await t.startContainer(
    p,
    t.containerConfig('sec', { command: ['sleep', '3600'], ...container }),
  );
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  return t.sh(id, script);
}

const capBits = (status: string, field: string) => {
  const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
  assert.ok(hex, `no ${field} in /proc/self/status`);
  return BigInt(`0x${hex}`);
};
const CAP_CHOWN = 0n;
const CAP_NET_ADMIN = 12n;

export const securityTests: ConformanceTest[] = [
  {
    category: 'security',
    name: 'run as user, group and supplemental groups',
    async run(t) {
      const res = await probe(t, 'id -u; id -g; id -G', {
        linux: {
          securityContext: {
            runAsUser: { value: 1000n },
            runAsGroup: { value: 2000n },
            supplementalGroups: [3000n],
          },
        },
      });
      const [uid, gid, groups] = res.out.trim().split('\n');
      assert.equal(uid, '1000');
      assert.equal(gid, '2000');
      assert.ok(groups?.split(' ').includes('3000'), `groups ${groups}`);
    },
  },
  {
    category: 'security',
    name: 'read-only root filesystem',
    async run(t) {
      const res = await probe(t, 'touch /should-fail 2>&1; echo rc=$?', {
        linux: { securityContext: { readonlyRootfs: true } },
      });
      assert.doesNotMatch(res.out, /rc=0/, 'wrote to a read-only rootfs');
    },
  },
  {
    category: 'security',
    name: 'privileged containers can mount, unprivileged cannot',
    async run(t) {
      const script = 'mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && echo mounted';
      const priv = await probe(
        t,
        script,
        { linux: { securityContext: { privileged: true } } },
        {
          linux: { securityContext: { privileged: true } },
        },
      );
      assert.equal(priv.out.trim(), 'mounted', priv.err);
      const unpriv = await probe(t, script);
      assert.notEqual(unpriv.exitCode, 0, 'an unprivileged container could mount');
    },
  },
  {
    category: 'security',
    name: 'added and dropped capabilities',
    async run(t) {
      const res = await probe(t, 'cat /proc/self/status', {
        linux: {
          securityContext: {
            capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'] },
          },
        },
      });
      const eff = capBits(res.out, 'CapEff');
      assert.equal((eff >> CAP_NET_ADMIN) & 1n, 1n, 'NET_ADMIN was not added');
      assert.equal((eff >> CAP_CHOWN) & 1n, 0n, 'CHOWN was not dropped');
    },
  },
  {
    category: 'security',
    name: 'no_new_privs',
    async run(t) {
      const res = await probe(t, 'grep NoNewPrivs /proc/self/status', {
        linux: { securityContext: { noNewPrivs: true } },
      });
      assert.match(res.out, /NoNewPrivs:\s*1/);
    },
  },
  {
    category: 'security',
    name: 'host PID namespace shows node processes',
    async run(t) {
      const ns = { linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.NODE } } } };
      const res = await probe(t, `test -d /proc/${process.pid} && echo visible`, ns, ns);
      assert.equal(res.out.trim(), 'visible', 'the suite process is not visible with host PID');
      const own = await probe(t, `test -d /proc/${process.pid} && echo visible || echo hidden`);
      if (own.out.trim() === 'visible') {
        // A low PID may exist in both namespaces; compare namespaces instead.
        const link = (await probe(t, 'readlink /proc/self/ns/pid')).out.trim();
        assert.notEqual(link, readlinkSync('/proc/self/ns/pid'));
      }
    },
  },
  {
    category: 'security',
    name: 'host IPC namespace',
    async run(t) {
      const ns = { linux: { securityContext: { namespaceOptions: { ipc: NamespaceMode.NODE } } } };
      const res = await probe(t, 'readlink /proc/self/ns/ipc', ns, ns);
      assert.equal(res.out.trim(), readlinkSync('/proc/self/ns/ipc'));
      const own = await probe(t, 'readlink /proc/self/ns/ipc');
      assert.notEqual(own.out.trim(), readlinkSync('/proc/self/ns/ipc'));
    },
  },
  {
    category: 'security',
    name: 'pod-shared PID namespace shows the sandbox process as PID 1',
    async run(t) {
      const ns = { linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.POD } } } };
      const shared = await probe(t, 'cat /proc/1/cmdline | tr "\\0" " "', ns, ns);
      assert.doesNotMatch(
        shared.out,
        /sleep 3600/,
        'PID 1 is the container itself, not the sandbox',
      );
      const single = {
        linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.CONTAINER } } },
      };
      const own = await probe(t, 'cat /proc/1/cmdline | tr "\\0" " "', single, single);
      assert.match(own.out, /sleep 3600/, 'without a shared PID namespace PID 1 is the container');
    },
  },
  {
    category: 'security',
    name: 'namespaced sysctls are applied',
    async run(t) {
      const res = await probe(
        t,
        'cat /proc/sys/kernel/shm_rmid_forced',
        {},
        {
          linux: { sysctls: { 'kernel.shm_rmid_forced': '1' } },
        },
      );
      assert.equal(res.out.trim(), '1');
    },
  },
  {
    category: 'security',
    // The kubelet admits unsafe sysctls by --allowed-unsafe-sysctls; the runtime applies
    // every namespaced one it is given (critest's fs.mqueue.msg_max case).
    name: 'unsafe namespaced sysctls the kubelet allowed are applied too',
    async run(t) {
      const res = await probe(
        t,
        'cat /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/msgmax',
        {},
        {
          linux: { sysctls: { 'fs.mqueue.msg_max': '20', 'kernel.msgmax': '12345' } },
        },
      );
      assert.deepEqual(res.out.trim().split(/\s+/), ['20', '12345']);
    },
  },
  {
    category: 'security',
    name: 'seccomp RuntimeDefault filters, Unconfined does not',
    async run(t) {
      const filtered = await probe(t, 'grep "^Seccomp:" /proc/self/status', {
        linux: {
          securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault } },
        },
      });
      assert.match(filtered.out, /Seccomp:\s*2/);
      const open = await probe(t, 'grep "^Seccomp:" /proc/self/status', {
        linux: {
          securityContext: { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } },
        },
      });
      assert.match(open.out, /Seccomp:\s*0/);
    },
  },
  {
    category: 'security',
    name: 'masked and read-only paths',
    async run(t) {
      const res = await probe(
        t,
        'cat /proc/version | wc -c; echo 1 > /proc/sys/kernel/shm_rmid_forced 2>/dev/null; echo rc=$?',
        {
          linux: {
            securityContext: { maskedPaths: ['/proc/version'], readonlyPaths: ['/proc/sys'] },
          },
        },
      );
      const [size, rc] = res.out.trim().split('\n');
      assert.equal(size?.trim(), '0', 'a masked path is readable');
      assert.notEqual(rc, 'rc=0', 'wrote to a read-only path');
    },
  },
];
