import { LinuxContainerSecurityContext } from '@capstan/cri-api';
import { ALL_CAPABILITIES } from '@capstan/cri-server';
import { describe, expect, it } from 'vitest';
import { containerSecurity, dockerCapabilities, seccompSecurityOpt } from './docker-security.js';

describe('Docker security fields', () => {
  it('Docker 20.10 knows capabilities up to CAP_AUDIT_READ, 23+ all', () => {
    expect(dockerCapabilities('20.10.24+dfsg1').at(-1)).toBe('CAP_AUDIT_READ');
    expect(dockerCapabilities('24.0.7')).toHaveLength(ALL_CAPABILITIES.length);
  });

  it('spells seccomp the Engine way: nothing for the default, the JSON for Localhost', () => {
    expect(seccompSecurityOpt({ type: 'runtime-default' }, false)).toBeUndefined();
    expect(seccompSecurityOpt({ type: 'unconfined' }, false)).toBe('seccomp=unconfined');
    expect(seccompSecurityOpt({ type: 'localhost', path: '/p', profile: '{}' }, false)).toBe(
      'seccomp={}',
    );
    expect(seccompSecurityOpt({ type: 'unconfined' }, true)).toBeUndefined();
  });

  it('spells out privileged when the node cannot grant every capability', () => {
    const s = containerSecurity(LinuxContainerSecurityContext.fromPartial({ privileged: true }), {
      grantable: ['CAP_CHOWN', 'CAP_KILL'],
      nativePrivileged: false,
    });
    expect(s.hostConfig).toMatchObject({
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: ['CAP_CHOWN', 'CAP_KILL'],
      MaskedPaths: [],
      DeviceCgroupRules: ['a *:* rwm'],
    });
    expect(s.hostConfig.SecurityOpt).toContain('seccomp=unconfined');
  });
});
