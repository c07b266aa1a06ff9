import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  InvalidArgumentError,
  type LinuxContainerSecurityContext,
  type SecurityProfile,
  SecurityProfile_ProfileType,
} from '@capstan/cri-api';
import { ALL_CAPABILITIES, capabilitySet } from './security-capabilities.js';

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

/** Devices Docker creates in every container itself. */
const DOCKER_DEVICES = new Set([
  'null',
  'zero',
  'full',
  'random',
  'urandom',
  'tty',
  'console',
  'ptmx',
]);

/** The node's character and block devices (/dev and one level below), as Docker devices. */
export function hostDevices(
  root = '/dev',
): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] {
  const out: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (
        depth === 0 &&
        (DOCKER_DEVICES.has(name) || ['pts', 'shm', 'mqueue', 'fd'].includes(name))
      )
        continue;
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isCharacterDevice() || st.isBlockDevice())
          out.push({ PathOnHost: path, PathInContainer: path, CgroupPermissions: 'rwm' });
        else if (st.isDirectory() && depth === 0) walk(path, 1);
      } catch {
        // vanished, or a dangling link
      }
    }
  };
  walk(root, 0);
  return out;
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
  const nodeCaps = caps.grantable;
  return {
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: [...nodeCaps],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    MaskedPaths: [],
    ReadonlyPaths: [],
    Devices: hostDevices(),
    DeviceCgroupRules: ['a *:* rwm'],
  };
}

/**
 * Docker's `seccomp=` security option for a CRI profile. RuntimeDefault is Docker's own
 * default profile (no option); Unconfined turns seccomp off; Localhost reads the profile
 * file (the Engine API takes the profile's JSON, not a path). The deprecated
 * `seccomp_profile_path` is read when the message is absent; absent both: unconfined, as
 * the CRI says ("" is identical with unconfined).
 */
export function seccompOption(
  profile: SecurityProfile | undefined,
  legacyPath: string,
  privileged: boolean,
): string | undefined {
  if (privileged) return undefined; // Docker runs privileged containers unconfined.
  let type: SecurityProfile_ProfileType;
  let ref = '';
  if (profile) {
    type = profile.profileType;
    ref = profile.localhostRef;
  } else if (legacyPath === 'runtime/default' || legacyPath === 'docker/default') {
    type = SecurityProfile_ProfileType.RuntimeDefault;
  } else if (legacyPath.startsWith('localhost/')) {
    type = SecurityProfile_ProfileType.Localhost;
    ref = legacyPath.slice('localhost/'.length);
  } else if (legacyPath === '' || legacyPath === 'unconfined') {
    type = SecurityProfile_ProfileType.Unconfined;
  } else {
    throw new InvalidArgumentError(
      `seccomp profile path ${JSON.stringify(legacyPath)} is not runtime/default, unconfined or localhost/<path>`,
    );
  }
  switch (type) {
    case SecurityProfile_ProfileType.RuntimeDefault:
      return undefined;
    case SecurityProfile_ProfileType.Unconfined:
      return 'seccomp=unconfined';
    case SecurityProfile_ProfileType.Localhost: {
      if (!isAbsolute(ref))
        throw new InvalidArgumentError(
          `seccomp localhost profile ${JSON.stringify(ref)} must be an absolute path`,
        );
      let text: string;
      try {
        text = readFileSync(ref, 'utf8');
        JSON.parse(text);
      } catch (err) {
        throw new InvalidArgumentError(
          `seccomp localhost profile ${ref} is not a readable JSON profile`,
          { cause: err },
        );
      }
      return `seccomp=${text}`;
    }
    default:
      throw new InvalidArgumentError(`seccomp profile type ${type} is not supported`);
  }
}

/** `uid[:gid]` or `name[:gid]` for Docker's Config.User. */
export function dockerUser(
  runAsUser: { value: bigint } | undefined,
  runAsUsername: string,
  runAsGroup: { value: bigint } | undefined,
): string | undefined {
  let user: string | undefined;
  if (runAsUser) {
    if (runAsUser.value < 0n)
      throw new InvalidArgumentError(`run_as_user ${runAsUser.value} is negative`);
    user = String(runAsUser.value);
  } else if (runAsUsername) {
    user = runAsUsername;
  }
  if (runAsGroup) {
    if (runAsGroup.value < 0n)
      throw new InvalidArgumentError(`run_as_group ${runAsGroup.value} is negative`);
    if (user === undefined)
      throw new InvalidArgumentError('run_as_group needs run_as_user or run_as_username');
    user = `${user}:${runAsGroup.value}`;
  }
  return user;
}

function checkPaths(paths: readonly string[], what: string): string[] {
  for (const p of paths) {
    if (!isAbsolute(p))
      throw new InvalidArgumentError(`${what} ${JSON.stringify(p)} must be an absolute path`);
  }
  return [...paths];
}

/**
 * A container's security settings as Docker create fields: user and groups, read-only
 * rootfs, privileged, the full capability set (CapDrop ALL + CapAdd the computed set, so
 * Docker's implicit default never applies), no_new_privs, seccomp, masked and read-only
 * paths (given lists replace Docker's defaults; empty lists keep them).
 */
export function containerSecurity(
  sc: LinuxContainerSecurityContext | undefined,
  nodeCaps: NodeCaps = { grantable: ALL_CAPABILITIES, nativePrivileged: true },
): DockerSecurity {
  const privileged = sc?.privileged ?? false;
  const securityOpt: string[] = [];
  if (sc?.noNewPrivs) securityOpt.push('no-new-privileges');
  const seccomp = seccompOption(sc?.seccomp, sc?.seccompProfilePath ?? '', privileged);
  if (seccomp) securityOpt.push(seccomp);
  const hostConfig: DockerSecurity['hostConfig'] = {
    Privileged: privileged,
    SecurityOpt: securityOpt,
    ReadonlyRootfs: sc?.readonlyRootfs ?? false,
  };
  if (!privileged) {
    const caps = capabilitySet(
      sc?.capabilities?.addCapabilities,
      sc?.capabilities?.dropCapabilities,
      nodeCaps.grantable,
    );
    hostConfig.CapDrop = ['ALL'];
    hostConfig.CapAdd = caps;
  }
  const groups = sc?.supplementalGroups ?? [];
  for (const g of groups)
    if (g < 0n) throw new InvalidArgumentError(`supplemental group ${g} is negative`);
  if (groups.length > 0) hostConfig.GroupAdd = groups.map(String);
  if (sc?.maskedPaths.length) hostConfig.MaskedPaths = checkPaths(sc.maskedPaths, 'masked path');
  if (sc?.readonlyPaths.length)
    hostConfig.ReadonlyPaths = checkPaths(sc.readonlyPaths, 'read-only path');
  if (privileged) {
    const p = privilegedHostConfig(nodeCaps);
    Object.assign(hostConfig, p, { SecurityOpt: [...securityOpt, ...(p.SecurityOpt ?? [])] });
  }
  const user = sc ? dockerUser(sc.runAsUser, sc.runAsUsername, sc.runAsGroup) : undefined;
  return user === undefined ? { hostConfig } : { user, hostConfig };
}
