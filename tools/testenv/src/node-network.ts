import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonProcess } from './daemon-process.js';
import {
  createNetns,
  deleteNetns,
  type ExecInNetnsOptions,
  type ExecResult,
  execInNetns,
  type NamedNetns,
} from './netns.js';
import { bridgeRegistry, type RegistryBridge } from './registry-bridge.js';

/** Debian's CNI plugins (1.1.1) report `"supportedVersions": [..., "0.4.0", "1.0.0"]`. */
export const CNI_VERSION = '1.0.0';

/** Checks an IPv4 CIDR (`a.b.c.d/n`, n <= 30 so there are pod addresses besides the gateway). */
export function parsePodCidr(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(m?.[5]);
  if (m === null || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
    throw new Error(`podCidr must be an IPv4 a.b.c.d/n with 8 <= n <= 30, got ${cidr}`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new Error(`podCidr ${cidr} has host bits set`);
  return { base, prefix };
}

/** True when `ip` (dotted IPv4) lies inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const { base, prefix } = parsePodCidr(cidr);
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    return false;
  }
  const n = octets.reduce((acc, o) => acc * 256 + o, 0);
  return Math.floor(n / 2 ** (32 - prefix)) === Math.floor(base / 2 ** (32 - prefix));
}

/** The CNI conflist of a networked containerd (containerd adds loopback itself). */
export function cniConflist(c: {
  networkName: string;
  bridge: string;
  podCidr: string;
  ipamDataDir: string;
}): string {
  return `${JSON.stringify(
    {
      cniVersion: CNI_VERSION,
      name: c.networkName,
      plugins: [
        {
          type: 'bridge',
          bridge: c.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: c.podCidr }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: c.ipamDataDir,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

/** The "node" side of a networked containerd: its netns, CNI config and registry bridge. */
export interface NodeNetwork {
  netns: NamedNetns;
  podCidr: string;
  /** Bridge device in the node netns (`cni-<8 hex>`, the netns suffix). */
  bridge: string;
  /** CNI network name (`capstan-<8 hex>`); also the prefix of libcni's cache files. */
  networkName: string;
  /** Extra daemons to stop after containerd (the in-netns registry forwarder). */
  daemons: DaemonProcess[];
  /** Settles once the registry answers inside the netns (at once without a registry). */
  ready: Promise<void>;
  execInNode(argv: readonly string[], opts?: ExecInNetnsOptions): Promise<ExecResult>;
  /** Closes the host half of the registry bridge. */
  closeHostSide(): Promise<void>;
  /**
   * Once containerd and its shims are gone: kills anything left in the netns and deletes
   * it (its bridge and veths with it).
   */
  remove(): Promise<void>;
}

/**
 * Creates the node netns, writes the conflist into `cniConfDir` and, with a registry,
 * starts the registry bridge (without waiting for it: see `ready`). Everything else under `dir` is removed by the caller's
 * teardown (host-local's dataDir is `<dir>/cni-ipam`).
 */
export async function setupNodeNetwork(opts: {
  dir: string;
  cniConfDir: string;
  podCidr: string;
  registryHost: string | undefined;
}): Promise<NodeNetwork> {
  parsePodCidr(opts.podCidr);
  const netns = await createNetns('capstan-node');
  const suffix = netns.name.slice(netns.name.lastIndexOf('-') + 1);
  const bridge = `cni-${suffix}`;
  const networkName = `capstan-${suffix}`;
  const ipamDataDir = join(opts.dir, 'cni-ipam');
  let registryBridge: RegistryBridge | undefined;
  try {
    mkdirSync(ipamDataDir, { recursive: true });
    writeFileSync(
      join(opts.cniConfDir, '10-capstan.conflist'),
      cniConflist({ networkName, bridge, podCidr: opts.podCidr, ipamDataDir }),
    );
    if (opts.registryHost !== undefined) {
      registryBridge = await bridgeRegistry({
        registryHost: opts.registryHost,
        netns: netns.name,
        netnsPath: netns.path,
        dir: opts.dir,
      });
    }
  } catch (err) {
    await deleteNetns(netns).catch(() => {});
    throw err;
  }
  return {
    netns,
    podCidr: opts.podCidr,
    bridge,
    networkName,
    daemons: registryBridge !== undefined ? [registryBridge.forwarder] : [],
    ready: registryBridge?.ready ?? Promise.resolve(),
    execInNode: (argv, execOpts) => execInNetns(netns.name, argv, execOpts),
    closeHostSide: async () => {
      await registryBridge?.close();
    },
    remove: () => deleteNetns(netns),
  };
}
