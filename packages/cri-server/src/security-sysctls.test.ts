import { describe, expect, it } from 'vitest';
import { checkSysctls, SAFE_SYSCTLS, sysctlAllowed } from './security-sysctls.js';

const pod = { network: false, ipc: false };

describe('checkSysctls', () => {
  it('accepts the safe set by default, with . or / separators', () => {
    expect(
      checkSysctls(
        { 'kernel.shm_rmid_forced': '1', 'net/ipv4/tcp_syncookies': '1' },
        SAFE_SYSCTLS,
        pod,
      ),
    ).toEqual({
      'kernel.shm_rmid_forced': '1',
      'net.ipv4.tcp_syncookies': '1',
    });
  });
  it('refuses a sysctl outside the whitelist', () => {
    expect(() => checkSysctls({ 'net.core.somaxconn': '1024' }, SAFE_SYSCTLS, pod)).toThrow(
      /whitelist/,
    );
  });
  it('allows prefix entries, but never a non-namespaced sysctl', () => {
    expect(sysctlAllowed('net.core.somaxconn', ['net.*'])).toBe(true);
    expect(() => checkSysctls({ 'kernel.panic': '1' }, ['kernel.*'], pod)).toThrow(
      /not namespaced/,
    );
  });
  it('refuses net.* with host network and IPC sysctls with host IPC', () => {
    expect(() =>
      checkSysctls({ 'net.ipv4.tcp_syncookies': '1' }, SAFE_SYSCTLS, { network: true, ipc: false }),
    ).toThrow(/host network/);
    expect(() =>
      checkSysctls({ 'kernel.shm_rmid_forced': '1' }, SAFE_SYSCTLS, { network: false, ipc: true }),
    ).toThrow(/host IPC/);
  });
});
