import { SUPPORTED_CNI_VERSIONS, versionAtLeast } from './cni-version.js';

/** An interface a plugin created or configured (host side when `sandbox` is absent). */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for interfaces inside the container; absent for host interfaces. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

/** An address a plugin assigned. */
export interface CniIpConfig {
  /** Address with prefix length, e.g. `10.88.0.5/16`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces` of the interface that holds the address. */
  interface?: number;
}

/** A route a plugin set up in the container. */
export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings a plugin returned. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/**
 * An ADD result, in the 1.x shape whatever version the plugin spoke (0.3.x and 0.4.0
 * results lose the per-address `version` field, which 1.0.0 dropped).
 */
export interface CniResult {
  /** The version the plugin answered in. */
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

/** One of a pod's addresses, split for convenience. */
export interface PodIp {
  /** The bare address, e.g. `10.88.0.5`. */
  ip: string;
  /** The prefix length, e.g. 16. */
  prefixLength: number;
  family: 4 | 6;
  gateway?: string;
  /** The container interface holding it, when the result says. */
  interfaceName?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const optString = (o: Json, k: string, where: string): string | undefined => {
  const v = o[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${where}.${k} must be a string`);
  return v;
};
const optNumber = (o: Json, k: string, where: string): number | undefined => {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${where}.${k} must be a number`);
  return v;
};
const optStrings = (o: Json, k: string, where: string): string[] | undefined => {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new Error(`${where}.${k} must be a list of strings`);
  }
  return v as string[];
};
const list = (o: Json, k: string): unknown[] => {
  const v = o[k];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`"${k}" must be a list`);
  return v;
};

// Drops keys whose value is undefined, so optional fields are absent rather than undefined.
function defined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const CIDR = /^([0-9a-fA-F.:]+)\/(\d{1,3})$/;

/**
 * Validates a plugin's ADD output (a parsed JSON value) and returns it in the 1.x shape.
 * Throws a plain Error saying what is wrong; the driver wraps it with the plugin's name.
 */
export function parseCniResult(value: unknown): CniResult {
  if (!isObject(value)) throw new Error('the result is not a JSON object');
  const cniVersion = value.cniVersion;
  if (typeof cniVersion !== 'string') throw new Error('the result has no "cniVersion"');
  if (!SUPPORTED_CNI_VERSIONS.includes(cniVersion)) {
    throw new Error(
      `result version ${cniVersion} is not supported (${SUPPORTED_CNI_VERSIONS.join(', ')})`,
    );
  }
  const interfaces = list(value, 'interfaces').map((raw, i): CniInterface => {
    const w = `interfaces[${i}]`;
    if (!isObject(raw)) throw new Error(`${w} must be an object`);
    const name = optString(raw, 'name', w);
    if (!name) throw new Error(`${w} has no name`);
    return defined<CniInterface>({
      name,
      mac: optString(raw, 'mac', w),
      mtu: optNumber(raw, 'mtu', w),
      sandbox: optString(raw, 'sandbox', w),
      socketPath: optString(raw, 'socketPath', w),
      pciID: optString(raw, 'pciID', w),
    });
  });
  const ips = list(value, 'ips').map((raw, i): CniIpConfig => {
    const w = `ips[${i}]`;
    if (!isObject(raw)) throw new Error(`${w} must be an object`);
    const address = optString(raw, 'address', w);
    if (!address || !CIDR.test(address))
      throw new Error(`${w}.address must be an address with prefix length`);
    const iface = optNumber(raw, 'interface', w);
    if (
      iface !== undefined &&
      (iface < 0 || iface >= interfaces.length || !Number.isInteger(iface))
    ) {
      throw new Error(`${w}.interface ${iface} is not an index into interfaces`);
    }
    return defined<CniIpConfig>({
      address,
      gateway: optString(raw, 'gateway', w),
      interface: iface,
    });
  });
  const routes = list(value, 'routes').map((raw, i): CniRoute => {
    const w = `routes[${i}]`;
    if (!isObject(raw)) throw new Error(`${w} must be an object`);
    const dst = optString(raw, 'dst', w);
    if (!dst) throw new Error(`${w} has no dst`);
    return defined<CniRoute>({
      dst,
      gw: optString(raw, 'gw', w),
      mtu: optNumber(raw, 'mtu', w),
      advmss: optNumber(raw, 'advmss', w),
      priority: optNumber(raw, 'priority', w),
      table: optNumber(raw, 'table', w),
      scope: optNumber(raw, 'scope', w),
    });
  });
  const rawDns = value.dns;
  if (rawDns !== undefined && rawDns !== null && !isObject(rawDns))
    throw new Error('"dns" must be an object');
  const dnsObj: Json = isObject(rawDns) ? rawDns : {};
  const dns = defined<CniDns>({
    nameservers: optStrings(dnsObj, 'nameservers', 'dns'),
    domain: optString(dnsObj, 'domain', 'dns'),
    search: optStrings(dnsObj, 'search', 'dns'),
    options: optStrings(dnsObj, 'options', 'dns'),
  });
  return { cniVersion, interfaces, ips, routes, dns };
}

/**
 * Converts a raw result document to another result version, as libcni does before it
 * passes a cached result as `prevResult`: 0.3.x/0.4.0 carry `version: "4"|"6"` on each
 * address, 1.x do not. Unknown fields are kept.
 */
export function convertResult(
  raw: Readonly<Record<string, unknown>>,
  toVersion: string,
): Record<string, unknown> {
  const ips = Array.isArray(raw.ips) ? raw.ips : [];
  const toOld = !versionAtLeast(toVersion, '1.0.0');
  return {
    ...raw,
    cniVersion: toVersion,
    ips: ips.map((ip: unknown) => {
      if (!isObject(ip)) return ip;
      const { version: _drop, ...rest } = ip;
      if (!toOld) return rest;
      const address = typeof ip.address === 'string' ? ip.address : '';
      return { version: address.includes(':') ? '6' : '4', ...rest };
    }),
  };
}

/**
 * The pod's addresses from a result: those on interfaces inside the sandbox (or with no
 * interface index at all), with the prefix split off.
 */
export function podIps(result: CniResult): PodIp[] {
  const out: PodIp[] = [];
  for (const entry of result.ips) {
    const iface = entry.interface === undefined ? undefined : result.interfaces[entry.interface];
    if (iface && !iface.sandbox) continue;
    const m = CIDR.exec(entry.address);
    if (!m?.[1] || !m[2]) continue;
    out.push(
      defined<PodIp>({
        ip: m[1],
        prefixLength: Number(m[2]),
        family: m[1].includes(':') ? 6 : 4,
        gateway: entry.gateway,
        interfaceName: iface?.name,
      }),
    );
  }
  return out;
}
