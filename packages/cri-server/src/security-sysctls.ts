import { InvalidArgumentError } from '@capstan/cri-api';

/**
 * Kubernetes' "safe" sysctls: namespaced, and unable to affect other pods or the node.
 * The default node whitelist.
 */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_syncookies',
];

const IPC_SYSCTLS = [
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
];

/** Which namespace a sysctl belongs to, or undefined when it is not namespaced at all. */
export function sysctlNamespace(name: string): 'ipc' | 'net' | 'uts' | undefined {
  if (IPC_SYSCTLS.includes(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name.startsWith('net.')) return 'net';
  if (name === 'kernel.hostname' || name === 'kernel.domainname') return 'uts';
  return undefined;
}

/** A whitelist entry: an exact name, or a prefix ending in `*` (`net.ipv4.conf.*`). */
export function sysctlAllowed(name: string, whitelist: readonly string[]): boolean {
  return whitelist.some((w) => (w.endsWith('*') ? name.startsWith(w.slice(0, -1)) : w === name));
}

/**
 * Checks a pod's sysctls against the node whitelist and the pod's namespaces, so that a
 * sysctl can never change the node: it must be whitelisted, namespaced, and its namespace
 * must be the pod's own (no `net.*` with host network, no IPC sysctls with host IPC).
 * Names may use `/` as separator (`net/ipv4/...`). INVALID_ARGUMENT otherwise.
 */
export function checkSysctls(
  sysctls: Record<string, string>,
  whitelist: readonly string[],
  host: { network: boolean; ipc: boolean },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, value] of Object.entries(sysctls)) {
    const name = raw.replaceAll('/', '.');
    if (!/^[a-z0-9_.-]+$/i.test(name))
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(raw)}: not a sysctl name`);
    if (!sysctlAllowed(name, whitelist)) {
      throw new InvalidArgumentError(
        `sysctl ${name} is not in this node's sysctl whitelist (--sysctl-whitelist)`,
      );
    }
    const ns = sysctlNamespace(name);
    if (ns === undefined)
      throw new InvalidArgumentError(`sysctl ${name} is not namespaced: it would change the node`);
    if (ns === 'net' && host.network)
      throw new InvalidArgumentError(
        `sysctl ${name} needs a pod network namespace, but the pod uses the host network`,
      );
    if (ns === 'ipc' && host.ipc)
      throw new InvalidArgumentError(
        `sysctl ${name} needs a pod IPC namespace, but the pod uses the host IPC`,
      );
    if (ns === 'uts')
      throw new InvalidArgumentError(`sysctl ${name}: set the hostname through the pod's hostname`);
    out[name] = value;
  }
  return out;
}
