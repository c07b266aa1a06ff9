import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { DNSConfig, PodSandboxConfig } from '@capstan/cri-api';
import { InvalidArgumentError } from '@capstan/cri-api';

/** The per-sandbox files every container of the pod gets bind-mounted. */
export interface SandboxFiles {
  dir: string;
  resolvConf: string;
  hosts: string;
  hostname: string;
}

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

/** resolv.conf from the CRI DNS config; the node's own when the pod gives none. */
export function resolvConf(
  dns: DNSConfig | undefined,
  nodeResolvConf = '/etc/resolv.conf',
): string {
  if (!dns || (dns.servers.length === 0 && dns.searches.length === 0 && dns.options.length === 0)) {
    return readOr(nodeResolvConf, '');
  }
  const lines: string[] = [];
  if (dns.searches.length > 0) lines.push(`search ${dns.searches.join(' ')}`);
  for (const s of dns.servers) lines.push(`nameserver ${s}`);
  if (dns.options.length > 0) lines.push(`options ${dns.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** /etc/hosts: loopback names, and the pod's IP with its hostname when it has one. */
export function hostsFile(hostname: string, ip: string | undefined): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (ip) lines.push(`${ip}\t${hostname}`);
  return `${lines.join('\n')}\n`;
}

/** RFC 1123 label rules, as the kubelet validates hostnames. */
export function checkHostname(name: string): void {
  if (name.length > 64 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(name)) {
    throw new InvalidArgumentError(`hostname ${JSON.stringify(name)} is not a valid host name`);
  }
}

/**
 * Writes (or rewrites) the sandbox's resolv.conf, hosts and hostname under
 * `<stateDir>/sandboxes/<id>/`. Host-network pods get the node's hosts file and hostname;
 * pod-network pods get their own, with the pod IP once it is known.
 */
export function writeSandboxFiles(
  root: string,
  id: string,
  config: PodSandboxConfig,
  opts: { hostNetwork: boolean; ip?: string },
): SandboxFiles {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  const files: SandboxFiles = {
    dir,
    resolvConf: join(dir, 'resolv.conf'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
  };
  const name = opts.hostNetwork
    ? osHostname()
    : config.hostname || (config.metadata?.name ?? 'pod').slice(0, 63);
  writeFileSync(files.resolvConf, resolvConf(config.dnsConfig));
  writeFileSync(
    files.hosts,
    opts.hostNetwork ? readOr('/etc/hosts', hostsFile(name, undefined)) : hostsFile(name, opts.ip),
  );
  writeFileSync(files.hostname, `${name}\n`);
  return files;
}

/** The paths of a sandbox's files (whether or not they exist). */
export function sandboxFilesOf(root: string, id: string): SandboxFiles {
  const dir = join(root, id);
  return {
    dir,
    resolvConf: join(dir, 'resolv.conf'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
  };
}

export function removeSandboxFiles(root: string, id: string): void {
  const dir = join(root, id);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}
