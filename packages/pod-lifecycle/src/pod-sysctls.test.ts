import { describe, expect, it } from 'vitest';
import { admit } from './pod-admission.js';
import type { Pod } from './pod-types.js';

const pod = (sysctls: { name: string; value: string }[]): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], securityContext: { sysctls } },
});
const capacity = { cpuMillis: 4000, memoryBytes: 8n << 30n, pods: 10 };

describe('sysctl admission', () => {
  it('admits safe sysctls always, with / or . separators', () => {
    expect(
      admit(
        pod([
          { name: 'kernel.shm_rmid_forced', value: '1' },
          { name: 'net/ipv4/ip_local_port_range', value: '1024 65000' },
        ]),
        [],
        capacity,
      ),
    ).toBeUndefined();
  });

  it('refuses an unsafe sysctl with SysctlForbidden naming it', () => {
    expect(admit(pod([{ name: 'fs.mqueue.msg_max', value: '20' }]), [], capacity)).toEqual({
      reason: 'SysctlForbidden',
      message: 'forbidden sysctl: "fs.mqueue.msg_max" not allowlisted (--allowed-unsafe-sysctls)',
    });
  });

  it('admits an unsafe sysctl matched by an allowed name or prefix pattern', () => {
    const p = pod([
      { name: 'fs.mqueue.msg_max', value: '20' },
      { name: 'kernel.msgmax', value: '65536' },
    ]);
    expect(admit(p, [], capacity, ['fs.mqueue.*', 'kernel.msgmax'])).toBeUndefined();
    expect(admit(p, [], capacity, ['fs.mqueue.*'])?.message).toContain('"kernel.msgmax"');
    expect(admit(p, [], capacity, ['kernel.msg'])?.reason).toBe('SysctlForbidden');
  });
});
