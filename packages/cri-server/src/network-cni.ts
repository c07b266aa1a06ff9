import { statSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CapabilityArgs,
  CniDriver,
  isCniNetError,
  NetworkConfigWatcher,
  type PortMapping,
  podIps,
} from '@capstan/cni-net';
import {
  CapstanError,
  errorOfKind,
  kindOf,
  type PodSandboxConfig,
  Protocol,
} from '@capstan/cri-api';
import type { PodNetwork, SandboxRecord } from './backend.js';
import type { Logger } from './logger.js';

export interface CniPodNetworkOptions {
  /** CNI config dir (`--cni-conf-dir`); the first valid file is the pod network. */
  confDir: string;
  /** Plugin dirs (`--cni-bin-dir`). */
  binDirs: string[];
  /** Run plugins inside this network namespace (`--cni-netns`; tests), else the shim's. */
  pluginNetns?: string;
  /** Result cache root (libcni's layout: `<cacheDir>/results`), under the shim's state dir. */
  cacheDir: string;
  logger: Logger;
  /** Per-plugin call limit. */
  timeoutMs?: number;
}

const PROTOCOL: Record<number, PortMapping['protocol']> = {
  [Protocol.TCP]: 'tcp',
  [Protocol.UDP]: 'udp',
  [Protocol.SCTP]: 'sctp',
};

/** The `portMappings` and `dns` capability arguments of a sandbox, from its CRI config. */
export function capabilitiesOf(config: PodSandboxConfig): CapabilityArgs {
  const caps: CapabilityArgs = {};
  const ports = config.portMappings
    .filter((p) => p.hostPort > 0)
    .map(
      (p): PortMapping => ({
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol: PROTOCOL[p.protocol] ?? 'tcp',
        ...(p.hostIp ? { hostIP: p.hostIp } : {}),
      }),
    );
  if (ports.length > 0) caps.portMappings = ports;
  const dns = config.dnsConfig;
  if (dns && (dns.servers.length || dns.searches.length || dns.options.length)) {
    caps.dns = { servers: dns.servers, searches: dns.searches, options: dns.options };
  }
  return caps;
}

/** A cni-net failure as an error of the same kind naming `what`; typed CRI errors pass. */
function toCri(err: unknown, what: string): CapstanError {
  if (err instanceof CapstanError && !isCniNetError(err)) return err;
  const kind = kindOf(err) ?? 'internal';
  return errorOfKind(kind, `${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
}

/**
 * The CRI server's PodNetwork over @capstan/cni-net: the pod network is the first config
 * in the CNI config dir (watched, so a config written later makes NetworkReady true), and
 * each sandbox is attached with its netns `/proc/<pause pid>/ns/net`.
 *
 * Crash safety: before an ADD, a marker file is written under `<cacheDir>/adding/<id>`;
 * tearDown DELs every cached attachment of the sandbox, and, when only the marker is
 * there (a crash during the ADD, before libcni's cache record), DELs the chain without a
 * cached result so host-local releases the address. A netns path whose inode is no longer
 * the pause container's (the PID was reused) is never handed to a plugin.
 */
export class CniPodNetwork implements PodNetwork {
  readonly driver: CniDriver;
  readonly watcher: NetworkConfigWatcher;
  readonly #markers: string;

  constructor(private readonly o: CniPodNetworkOptions) {
    const logger = {
      debug: (f: Record<string, unknown>, m: string) => o.logger.debug(f, m),
      warn: (f: Record<string, unknown>, m: string) => o.logger.warn(f, m),
    };
    this.driver = new CniDriver({
      pluginDirs: o.binDirs,
      cacheDir: o.cacheDir,
      ...(o.pluginNetns ? { pluginNetns: o.pluginNetns } : {}),
      timeoutMs: o.timeoutMs ?? 60_000,
      logger,
    });
    this.watcher = new NetworkConfigWatcher(o.confDir, { logger });
    this.#markers = join(o.cacheDir, 'adding');
  }

  async start(): Promise<void> {
    await this.watcher.start();
  }

  close(): void {
    this.watcher.close();
  }

  ready(): { ready: boolean; reason?: string; message?: string } {
    const cur = this.watcher.current();
    if (cur.defaultNetwork) return { ready: true };
    const why = cur.errors.map((e) => e.message).join('; ');
    return {
      ready: false,
      reason: 'NetworkPluginNotReady',
      message: `no valid CNI network config in ${this.o.confDir}${why ? `: ${why}` : ''}`,
    };
  }

  async setUp(
    sandbox: SandboxRecord,
    netnsPath: string,
  ): Promise<{ ip: string; additionalIps: string[] }> {
    let network: ReturnType<NetworkConfigWatcher['defaultNetwork']>;
    try {
      network = this.watcher.defaultNetwork();
    } catch (err) {
      throw toCri(err, 'RunPodSandbox: no pod network');
    }
    const m = sandbox.config.metadata;
    await mkdir(this.#markers, { recursive: true });
    await writeFile(join(this.#markers, sandbox.id), network.name);
    try {
      const result = await this.driver.add(network, {
        containerId: sandbox.id,
        netns: netnsPath,
        pod: {
          namespace: m?.namespace ?? '',
          name: m?.name ?? '',
          uid: m?.uid ?? '',
          infraContainerId: sandbox.id,
        },
        capabilities: capabilitiesOf(sandbox.config),
      });
      const ips = podIps(result).map((p) => p.ip);
      if (ips.length === 0) throw new Error(`network ${network.name} gave the pod no IP address`);
      return { ip: ips[0]!, additionalIps: ips.slice(1) };
    } catch (err) {
      throw toCri(err, `RunPodSandbox: attaching pod network ${network.name}`);
    } finally {
      await rm(join(this.#markers, sandbox.id), { force: true });
    }
  }

  /** The netns path, if it is still the one the sandbox was attached in. */
  async #liveNetns(sandbox: SandboxRecord, netnsPath: string): Promise<string> {
    if (!netnsPath) return '';
    const want = sandbox.backend.netnsInode;
    try {
      const ino = String((await stat(netnsPath)).ino);
      return want === undefined || want === ino ? netnsPath : '';
    } catch {
      return '';
    }
  }

  async tearDown(sandbox: SandboxRecord, netnsPath: string): Promise<void> {
    const netns = await this.#liveNetns(sandbox, netnsPath);
    try {
      const cached = await this.driver.cachedAttachments(sandbox.id);
      // DEL from the cache (config, args, result of the ADD), but with the checked netns
      // path: '' when the pause container's namespace is gone or was never known.
      for (const entry of cached) {
        await this.driver.del(entry.network, {
          containerId: sandbox.id,
          ifName: entry.ifName,
          netns,
        });
      }
      const marker = join(this.#markers, sandbox.id);
      const interrupted = await stat(marker).then(
        () => true,
        () => false,
      );
      if (interrupted && cached.length === 0) {
        const network = this.watcher.current().defaultNetwork;
        if (network) await this.driver.del(network, { containerId: sandbox.id, netns });
      }
      await rm(marker, { force: true });
    } catch (err) {
      throw toCri(err, `tearing down the pod network of sandbox ${sandbox.id}`);
    }
  }

  /**
   * After recovery: DELs every cached attachment of a sandbox the runtime no longer has
   * (a crash between Docker's removal and the DEL, or a lost record).
   */
  async gc(liveSandboxIds: readonly string[]): Promise<void> {
    const report = await this.driver.gc({
      validAttachments: liveSandboxIds.map((containerId) => ({ containerId })),
    });
    if (report.deleted.length > 0 || report.failed.length > 0) {
      this.o.logger.info(
        { deleted: report.deleted.length, failed: report.failed.length },
        'CNI garbage collected',
      );
    }
  }
}

/** The inode of a netns path (recorded at sandbox start, checked at teardown). */
export function netnsInode(path: string): string | undefined {
  try {
    return String(statSync(path).ino);
  } catch {
    return undefined;
  }
}
