import {
  ContainerConfig,
  MountPropagation,
  NamespaceMode,
  PodSandboxConfig,
} from '@capstan/cri-api';

import { describe, expect, it } from 'vitest';
import { containerCreateBody, dockerBind, infraCreateBody } from './docker-create.js';

const caps = {
  grantable: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_ADMIN', 'CAP_SETUID', 'CAP_SYS_ADMIN'],
  nativePrivileged: false,
};
const pod = (over = {}) =>
  PodSandboxConfig.fromPartial({
    metadata: { name: 'p', namespace: 'n', uid: 'u', attempt: 1 },
    hostname: 'web',
    ...over,
  });
const files = {
  dir: '/s',
  resolvConf: '/s/resolv.conf',
  hosts: '/s/hosts',
  hostname: '/s/hostname',
};

describe('infraCreateBody', () => {
  it('turns Docker networking off, shares IPC, keeps its own PID namespace, restricts oom_score_adj', () => {
    const b = infraCreateBody({
      id: 'a'.repeat(64),
      config: pod({ linux: { sysctls: { 'kernel.shm_rmid_forced': '1' } } }),
      image: 'sha256:x',
      instance: 'i',
      sysctlWhitelist: ['kernel.shm_rmid_forced', 'net.ipv4.tcp_syncookies'],
      oomFloor: 0,
      nodeCaps: caps,
    });
    expect(b.name).toBe('k8s_POD_p_n_u_1_aaaaaaaaaaaa');
    expect(b.Hostname).toBe('web');
    expect(b.HostConfig).toMatchObject({
      NetworkMode: 'none',
      IpcMode: 'shareable',
      OomScoreAdj: 0,
      Sysctls: { 'kernel.shm_rmid_forced': '1' },
    });
    expect(b.HostConfig?.PidMode).toBeUndefined();
    expect(b.Labels?.['io.capstan.cri.type']).toBe('sandbox');
  });
  it('uses the host namespaces when asked', () => {
    const ns = { network: NamespaceMode.NODE, pid: NamespaceMode.NODE, ipc: NamespaceMode.NODE };
    const b = infraCreateBody({
      id: 'b'.repeat(64),
      config: pod({ hostname: '', linux: { securityContext: { namespaceOptions: ns } } }),
      image: 'x',
      instance: 'i',
      sysctlWhitelist: [],
      oomFloor: undefined,
      nodeCaps: caps,
    });
    expect(b.HostConfig).toMatchObject({
      NetworkMode: 'host',
      UTSMode: 'host',
      PidMode: 'host',
      IpcMode: 'host',
      OomScoreAdj: -998,
    });
    expect(b.Hostname).toBeUndefined();
  });
});

describe('containerCreateBody', () => {
  const body = (config: ContainerConfig, sandbox = pod()) =>
    containerCreateBody({
      id: 'c'.repeat(64),
      config,
      sandboxId: 's',
      sandboxConfig: sandbox,
      infraId: 'infra',
      image: 'sha256:i',
      logPath: '/l',
      instance: 'i',
      files,
      oomFloor: 0,
      nodeCaps: caps,
    });
  it('joins the infra container and mounts the sandbox files; explicit capabilities', () => {
    const b = body(
      ContainerConfig.fromPartial({
        metadata: { name: 'c' },
        command: ['sleep'],
        args: ['1'],
        envs: [{ key: 'A', value: 'b c' }],
      }),
    );
    expect(b.HostConfig).toMatchObject({
      NetworkMode: 'container:infra',
      IpcMode: 'container:infra',
      PidMode: 'container:infra',
      CapDrop: ['ALL'],
    });
    expect(b.HostConfig?.CapAdd).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID']);
    expect(b.HostConfig?.Binds).toEqual([
      '/s/resolv.conf:/etc/resolv.conf:rw',
      '/s/hosts:/etc/hosts:rw',
      '/s/hostname:/etc/hostname:rw',
    ]);
    expect(b).toMatchObject({ Entrypoint: ['sleep'], Cmd: ['1'], Env: ['A=b c'] });
  });
  it('keeps its own PID namespace with CONTAINER, and the host one with NODE', () => {
    const ns = (pid: NamespaceMode) =>
      ContainerConfig.fromPartial({
        metadata: { name: 'c' },
        linux: { securityContext: { namespaceOptions: { pid } } },
      });
    expect(body(ns(NamespaceMode.CONTAINER)).HostConfig?.PidMode).toBe('');
    expect(body(ns(NamespaceMode.NODE)).HostConfig?.PidMode).toBe('host');
  });
  it('spells privileged out when the node lacks capabilities Docker would ask for', () => {
    const b = body(
      ContainerConfig.fromPartial({
        metadata: { name: 'c' },
        linux: { securityContext: { privileged: true } },
      }),
    );
    expect(b.HostConfig).toMatchObject({
      Privileged: false,
      CapAdd: caps.grantable,
      MaskedPaths: [],
      DeviceCgroupRules: ['a *:* rwm'],
    });
    expect(b.HostConfig?.SecurityOpt).toContain('seccomp=unconfined');
  });
  it('turns mounts into binds with their propagation', () => {
    expect(
      dockerBind({
        hostPath: '/h',
        containerPath: '/c',
        readonly: true,
        propagation: MountPropagation.PROPAGATION_HOST_TO_CONTAINER,
      } as never),
    ).toBe('/h:/c:ro,rslave');
    expect(() =>
      dockerBind({ hostPath: 'h', containerPath: '/c', propagation: 0 } as never),
    ).toThrow(/absolute/);
  });
});
