import { describe, expect, it } from 'vitest';
import { ALL_NAMESPACED_SYSCTLS, checkSysctls, sysctlAllowed } from './security-sysctls.js';

const SAFE = ['kernel.shm_rmid_forced', 'net.ipv4.tcp_syncookies'];

const pod = { network: false, ipc: false };

describe('checkSysctls', () => {
  it('accepts what the list names, with . or / separators', () => {
    expect(
      checkSysctls({ 'kernel.shm_rmid_forced': '1', 'net/ipv4/tcp_syncookies': '1' }, SAFE, pod),
    ).toEqual({
      'kernel.shm_rmid_forced': '1',
      'net.ipv4.tcp_syncookies': '1',
    });
  });
  it('refuses a sysctl outside the whitelist', () => {
    expect(() => checkSysctls({ 'net.core.somaxconn': '1024' }, SAFE, pod)).toThrow(/whitelist/);
  });
  it('applies every namespaced sysctl by default (the policy is the agent admission)', () => {
    expect(
      checkSysctls(
        { 'fs.mqueue.msg_max': '20', 'net.core.somaxconn': '1024' },
        ALL_NAMESPACED_SYSCTLS,
        pod,
      ),
    ).toEqual({ 'fs.mqueue.msg_max': '20', 'net.core.somaxconn': '1024' });
    expect(() => checkSysctls({ 'vm.swappiness': '1' }, ALL_NAMESPACED_SYSCTLS, pod)).toThrow(
      /not namespaced/,
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
      checkSysctls({ 'net.ipv4.tcp_syncookies': '1' }, SAFE, { network: true, ipc: false }),
    ).toThrow(/host network/);
    expect(() =>
      checkSysctls({ 'kernel.shm_rmid_forced': '1' }, SAFE, { network: false, ipc: true }),
    ).toThrow(/host IPC/);
  });
});
