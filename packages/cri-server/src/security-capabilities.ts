import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@capstan/cri-api';

/**
 * The capabilities a container gets by default: Docker's and containerd's default set
 * (the same 14). The shim never relies on Docker's implicit default: every container's
 * set is computed here and written out in full ("explicit capability whitelist").
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** Every capability the kernel of today defines (`capability.h`, up to CAP_CHECKPOINT_RESTORE). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * The capabilities this node can grant: the shim's bounding set (/proc/self/status
 * CapBnd), the way containerd computes "all" from its own process. A machine may lack
 * some (this VM has no CAP_SYS_RESOURCE), and asking runc for one fails the start.
 */
export function nodeCapabilities(statusText?: string): string[] {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return [...ALL_CAPABILITIES];
    }
  }
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text)?.[1];
  if (!hex) return [...ALL_CAPABILITIES];
  const bits = BigInt(`0x${hex}`);
  return ALL_CAPABILITIES.filter((_, bit) => ((bits >> BigInt(bit)) & 1n) === 1n);
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` all name CAP_NET_ADMIN; `ALL` stays `ALL`. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(full)) {
    throw new InvalidArgumentError(`capability ${JSON.stringify(name)} is not a Linux capability`);
  }
  return full;
}

/**
 * The container's capability set: the default set, with `ALL` in `add` meaning every
 * capability and `ALL` in `drop` meaning none, then the named drops and adds applied
 * (an add wins over a drop of the same capability, as in containerd), limited to what the
 * node can grant (`node`). Sorted.
 */
export function capabilitySet(
  add: readonly string[] = [],
  drop: readonly string[] = [],
  node: readonly string[] = ALL_CAPABILITIES,
  defaults: readonly string[] = DEFAULT_CAPABILITIES,
): string[] {
  const adds = add.map(normalizeCapability);
  const drops = drop.map(normalizeCapability);
  let set = new Set(adds.includes('ALL') ? node : defaults.map(normalizeCapability));
  if (drops.includes('ALL')) set = new Set();
  for (const d of drops) set.delete(d);
  for (const a of adds) {
    if (a === 'ALL') continue;
    if (!node.includes(a))
      throw new InvalidArgumentError(
        `capability ${a} cannot be granted on this node (not in its bounding set)`,
      );
    set.add(a);
  }
  return [...set].filter((c) => node.includes(c)).sort();
}
