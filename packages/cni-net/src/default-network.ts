import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { parseCidr } from './cidr.js';
import { InvalidRequestError } from './errors.js';
import { type NetworkConfigList, parseNetworkConfig } from './network-config.js';
import { validateIfName, validateNetworkName } from './request-validate.js';

/** Settings of a node's default pod network. */
export interface DefaultPodNetworkOptions {
  /** The node's pod CIDR(s), e.g. `10.244.1.0/24`; one IPv4 and one IPv6 for dual stack. */
  podCidr: string | readonly string[];
  /** Network name. Default `kubenet`. */
  name?: string;
  /** Bridge device on the node. Default `cbr0`. */
  bridge?: string;
  /** MTU of the bridge and veths; the plugin's default (1500) when unset. */
  mtu?: number;
  /** host-local's allocation store; its default (/var/lib/cni/networks) when unset. */
  dataDir?: string;
  /** Masquerade traffic leaving the pod CIDR. Default true. */
  ipMasq?: boolean;
  /** Let a pod reach itself through its own port mappings. Default true. */
  hairpinMode?: boolean;
  /** Chain portmap (capability portMappings). Default true. */
  portmap?: boolean;
  /** Chain bandwidth (capability bandwidth). Default true. */
  bandwidth?: boolean;
  /** Default `1.0.0`, what Debian's plugins (1.1.1) speak. */
  cniVersion?: string;
}

/**
 * The default pod network of a node, kubenet's equivalent, as a conflist document:
 * bridge with host-local IPAM over the pod CIDR(s) (default routes, the bridge as
 * gateway; capability `mac`), loopback (which brings `lo` up and passes
 * the bridge's result through), portmap (`portMappings`) and bandwidth (`bandwidth`).
 */
export function defaultPodNetwork(options: DefaultPodNetworkOptions): Record<string, unknown> {
  const cidrs = typeof options.podCidr === 'string' ? [options.podCidr] : [...options.podCidr];
  if (cidrs.length === 0 || cidrs.length > 2) {
    throw new InvalidRequestError(`podCidr needs one or two CIDRs, got ${cidrs.length}`);
  }
  const families = cidrs.map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) throw new InvalidRequestError(`podCidr ${JSON.stringify(c)} is not a CIDR block`);
    const max = parsed.family === 4 ? 30 : 126;
    if (parsed.prefixLength > max) {
      throw new InvalidRequestError(
        `podCidr ${c} is too small for pods (prefix longer than /${max})`,
      );
    }
    return parsed.family;
  });
  if (families.length === 2 && families[0] === families[1]) {
    throw new InvalidRequestError(
      `podCidr ${cidrs.join(', ')}: dual stack needs one IPv4 and one IPv6 CIDR`,
    );
  }
  const name = options.name ?? 'kubenet';
  validateNetworkName(name);
  const bridgeName = options.bridge ?? 'cbr0';
  validateIfName(bridgeName);
  const ipam: Record<string, unknown> = {
    type: 'host-local',
    ranges: cidrs.map((subnet) => [{ subnet }]),
    routes: families.map((f) => ({ dst: f === 4 ? '0.0.0.0/0' : '::/0' })),
  };
  if (options.dataDir !== undefined) ipam.dataDir = options.dataDir;
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: bridgeName,
    isGateway: true,
    ipMasq: options.ipMasq ?? true,
    hairpinMode: options.hairpinMode ?? true,
    capabilities: { mac: true },
    ipam,
  };
  if (options.mtu !== undefined) bridge.mtu = options.mtu;
  const plugins: Record<string, unknown>[] = [bridge, { type: 'loopback' }];
  if (options.portmap ?? true) {
    plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  }
  if (options.bandwidth ?? true)
    plugins.push({ type: 'bandwidth', capabilities: { bandwidth: true } });
  return { cniVersion: options.cniVersion ?? '1.0.0', name, plugins };
}

/**
 * Writes {@link defaultPodNetwork} into a configuration directory, atomically (a watcher
 * never sees half a file), and returns it parsed. Default file `10-<name>.conflist`.
 */
export async function writeDefaultPodNetwork(
  dir: string,
  options: DefaultPodNetworkOptions,
  fileName?: string,
): Promise<NetworkConfigList> {
  const doc = defaultPodNetwork(options);
  const file = join(dir, fileName ?? `10-${String(doc.name)}.conflist`);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const parsed = parseNetworkConfig(text, { file, format: 'list' });
  await writeFileAtomic(file, text, 0o644, 0o755);
  return parsed;
}
