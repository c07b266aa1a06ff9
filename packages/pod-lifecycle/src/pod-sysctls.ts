import type { Pod } from './pod-types.js';

/**
 * The kubelet's safe sysctls: namespaced, and unable to affect other pods or the node.
 * Always allowed; anything else only when `allowedUnsafeSysctls` matches it (the seed's
 * node whitelist, the kubelet's `--allowed-unsafe-sysctls`).
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

/** A pattern: an exact name, or a prefix ending in `*` (`net.core.*`, `kernel.msg*`). */
const matches = (name: string, pattern: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;

/**
 * The kubelet's sysctl admission: every sysctl of the pod is safe or matched by
 * `allowedUnsafe`; `/` separators read as `.`. A rejection is SysctlForbidden.
 */
export function admitSysctls(
  pod: Pod,
  allowedUnsafe: readonly string[],
): { reason: string; message: string } | undefined {
  for (const s of pod.spec.securityContext?.sysctls ?? []) {
    const name = s.name.replaceAll('/', '.');
    if (SAFE_SYSCTLS.includes(name) || allowedUnsafe.some((p) => matches(name, p))) continue;
    return {
      reason: 'SysctlForbidden',
      message: `forbidden sysctl: "${name}" not allowlisted (--allowed-unsafe-sysctls)`,
    };
  }
  return undefined;
}
