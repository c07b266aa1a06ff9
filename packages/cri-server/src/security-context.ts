import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  InvalidArgumentError,
  type LinuxContainerSecurityContext,
  type SecurityProfile,
  SecurityProfile_ProfileType,
} from '@capstan/cri-api';
import { ALL_CAPABILITIES, capabilitySet } from './security-capabilities.js';

/** Which seccomp profile a container runs under, resolved from its CRI security context. */
export type SeccompChoice =
  | { type: 'runtime-default' }
  | { type: 'unconfined' }
  /** A profile file on the node: `path`, and its JSON text (read and checked). */
  | { type: 'localhost'; path: string; profile: string };

/**
 * A container's CRI security context, validated and resolved into what every runtime
 * applies, whatever its mechanism (Docker create fields, an OCI spec, nspawn flags, a VM
 * guest's config).
 */
export interface ResolvedSecurity {
  privileged: boolean;
  /** `uid[:gid]` or `name[:gid]`; absent: the image's user. */
  user?: string;
  supplementalGroups: number[];
  readonlyRootfs: boolean;
  noNewPrivs: boolean;
  /**
   * The full capability set (sorted, `CAP_` names); for a privileged container, every
   * capability the node can grant.
   */
  capabilities: string[];
  /** Unconfined for a privileged container. */
  seccomp: SeccompChoice;
  /** Paths to mask; absent: the runtime's default list. */
  maskedPaths?: string[];
  /** Paths to make read-only; absent: the runtime's default list. */
  readonlyPaths?: string[];
}

/**
 * The seccomp profile for a CRI `SecurityProfile`, or for the deprecated
 * `seccomp_profile_path` when the message is absent (`runtime/default`, `docker/default`,
 * `unconfined`, `localhost/<path>`); absent both: unconfined, as the CRI says ("" is
 * identical with unconfined). A Localhost profile must be an absolute path to a readable
 * JSON file. Privileged containers are always unconfined.
 */
export function resolveSeccomp(
  profile: SecurityProfile | undefined,
  legacyPath: string,
  privileged: boolean,
): SeccompChoice {
  if (privileged) return { type: 'unconfined' };
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
      return { type: 'runtime-default' };
    case SecurityProfile_ProfileType.Unconfined:
      return { type: 'unconfined' };
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
      return { type: 'localhost', path: ref, profile: text };
    }
    default:
      throw new InvalidArgumentError(`seccomp profile type ${type} is not supported`);
  }
}

/** `uid[:gid]` or `name[:gid]` from the CRI's run_as_* fields (negative IDs refused). */
export function userSpec(
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
 * Resolves a container's CRI security context against what the node can grant
 * (`grantable`, its bounding set): the capability set (the default set with the CRI's adds
 * and drops, see capabilitySet), seccomp, user and groups, masked and read-only paths
 * (given lists replace the runtime's defaults; empty lists keep them). INVALID_ARGUMENT
 * for anything malformed; nothing is read but a Localhost seccomp profile.
 */
export function resolveContainerSecurity(
  sc: LinuxContainerSecurityContext | undefined,
  grantable: readonly string[] = ALL_CAPABILITIES,
): ResolvedSecurity {
  const privileged = sc?.privileged ?? false;
  const seccomp = resolveSeccomp(sc?.seccomp, sc?.seccompProfilePath ?? '', privileged);
  const capabilities = privileged
    ? [...grantable].sort()
    : capabilitySet(
        sc?.capabilities?.addCapabilities,
        sc?.capabilities?.dropCapabilities,
        grantable,
      );
  const groups = sc?.supplementalGroups ?? [];
  for (const g of groups)
    if (g < 0n) throw new InvalidArgumentError(`supplemental group ${g} is negative`);
  const out: ResolvedSecurity = {
    privileged,
    supplementalGroups: groups.map(Number),
    readonlyRootfs: sc?.readonlyRootfs ?? false,
    noNewPrivs: sc?.noNewPrivs ?? false,
    capabilities,
    seccomp,
  };
  if (sc?.maskedPaths.length) out.maskedPaths = checkPaths(sc.maskedPaths, 'masked path');
  if (sc?.readonlyPaths.length) out.readonlyPaths = checkPaths(sc.readonlyPaths, 'read-only path');
  const user = sc ? userSpec(sc.runAsUser, sc.runAsUsername, sc.runAsGroup) : undefined;
  if (user !== undefined) out.user = user;
  return out;
}

/** Devices every runtime creates in each container itself. */
const STANDARD_DEVICES = new Set([
  'null',
  'zero',
  'full',
  'random',
  'urandom',
  'tty',
  'console',
  'ptmx',
]);

/**
 * The node's character and block devices (/dev and one level below) that a privileged
 * container gets, beside the standard ones every container has.
 */
export function hostDevices(root = '/dev'): string[] {
  const out: string[] = [];
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
        (STANDARD_DEVICES.has(name) || ['pts', 'shm', 'mqueue', 'fd'].includes(name))
      )
        continue;
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isCharacterDevice() || st.isBlockDevice()) out.push(path);
        else if (st.isDirectory() && depth === 0) walk(path, 1);
      } catch {
        // vanished, or a dangling link
      }
    }
  };
  walk(root, 0);
  return out;
}
