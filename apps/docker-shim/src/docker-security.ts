import type { LinuxContainerSecurityContext } from '@capstan/cri-api';
import {
  ALL_CAPABILITIES,
  hostDevices,
  resolveContainerSecurity,
  type SeccompChoice,
} from '@capstan/cri-server';

/** The security part of a Docker create body (Config.User + HostConfig fields). */
export interface DockerSecurity {
  user?: string;
  hostConfig: {
    Privileged: boolean;
    CapAdd?: string[];
    CapDrop?: string[];
    SecurityOpt: string[];
    ReadonlyRootfs: boolean;
    GroupAdd?: string[];
    MaskedPaths?: string[];
    ReadonlyPaths?: string[];
    Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
    DeviceCgroupRules?: string[];
  };
}

/** What the node can grant: capabilities, and whether Docker's own privileged mode works. */
export interface NodeCaps {
  /** The node's bounding set, limited to what the Docker Engine knows. */
  grantable: readonly string[];
  /** Every capability Docker's privileged mode asks for is in the bounding set. */
  nativePrivileged: boolean;
}

/**
 * The capabilities a Docker Engine of this version accepts in CapAdd: 20.10 stops at
 * CAP_AUDIT_READ ("invalid CapAdd: unknown capability: CAP_PERFMON"); 23.0 knows all.
 */
export function dockerCapabilities(dockerVersion: string): string[] {
  const major = Number(/^(\d+)/.exec(dockerVersion)?.[1] ?? 0);
  if (major >= 23) return [...ALL_CAPABILITIES];
  return ALL_CAPABILITIES.slice(0, ALL_CAPABILITIES.indexOf('CAP_AUDIT_READ') + 1);
}

/**
 * Privileged, as far as this node allows. With every capability in the node's bounding set,
 * Docker's own `Privileged`. Without (this VM lacks CAP_SYS_RESOURCE, and Docker 20.10's
 * privileged mode asks runc for every capability the kernel knows, which fails "unable to
 * apply caps"), the same effect spelled out: every capability the node has, no seccomp or
 * AppArmor confinement, no masked or read-only paths, every host device and device access.
 */
export function privilegedHostConfig(caps: NodeCaps): Partial<DockerSecurity['hostConfig']> {
  if (caps.nativePrivileged) return { Privileged: true };
  return {
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: [...caps.grantable],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    MaskedPaths: [],
    ReadonlyPaths: [],
    Devices: hostDevices().map((path) => ({
      PathOnHost: path,
      PathInContainer: path,
      CgroupPermissions: 'rwm',
    })),
    DeviceCgroupRules: ['a *:* rwm'],
  };
}

/**
 * Docker's `seccomp=` security option: none for the runtime default (Docker's own default
 * profile) and for privileged containers (Docker runs them unconfined itself), the
 * profile's JSON for a Localhost one (the Engine API takes the JSON, not a path).
 */
export function seccompSecurityOpt(choice: SeccompChoice, privileged: boolean): string | undefined {
  if (privileged || choice.type === 'runtime-default') return undefined;
  return choice.type === 'unconfined' ? 'seccomp=unconfined' : `seccomp=${choice.profile}`;
}

/**
 * A container's security settings as Docker create fields, from the runtime-neutral
 * resolution (`resolveContainerSecurity`): user and groups, read-only rootfs, privileged,
 * the full capability set (CapDrop ALL + CapAdd the computed set, so Docker's implicit
 * default never applies), no_new_privs, seccomp, masked and read-only paths.
 */
export function containerSecurity(
  sc: LinuxContainerSecurityContext | undefined,
  nodeCaps: NodeCaps = { grantable: ALL_CAPABILITIES, nativePrivileged: true },
): DockerSecurity {
  const r = resolveContainerSecurity(sc, nodeCaps.grantable);
  const securityOpt: string[] = [];
  if (r.noNewPrivs) securityOpt.push('no-new-privileges');
  const seccomp = seccompSecurityOpt(r.seccomp, r.privileged);
  if (seccomp) securityOpt.push(seccomp);
  const hostConfig: DockerSecurity['hostConfig'] = {
    Privileged: r.privileged,
    SecurityOpt: securityOpt,
    ReadonlyRootfs: r.readonlyRootfs,
  };
  if (!r.privileged) {
    hostConfig.CapDrop = ['ALL'];
    hostConfig.CapAdd = r.capabilities;
  }
  if (r.supplementalGroups.length > 0) hostConfig.GroupAdd = r.supplementalGroups.map(String);
  if (r.maskedPaths) hostConfig.MaskedPaths = r.maskedPaths;
  if (r.readonlyPaths) hostConfig.ReadonlyPaths = r.readonlyPaths;
  if (r.privileged) {
    const p = privilegedHostConfig(nodeCaps);
    Object.assign(hostConfig, p, { SecurityOpt: [...securityOpt, ...(p.SecurityOpt ?? [])] });
  }
  return r.user === undefined ? { hostConfig } : { user: r.user, hostConfig };
}
