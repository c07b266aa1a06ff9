import { InvalidArgumentError } from '@capstan/cri-api';

/**
 * Every sysctl a runtime may apply: all namespaced ones, as containerd and cri-o do. Which
 * of them a pod may ask for is the node agent's admission policy (the kubelet's safe set
 * plus `--allowed-unsafe-sysctls`); a runtime's own list can only restrict further.
 */
export const ALL_NAMESPACED_SYSCTLS: readonly string[] = ['*'];

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
        `sysctl ${name} is not in this runtime's sysctl whitelist (--sysctl-whitelist)`,
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
