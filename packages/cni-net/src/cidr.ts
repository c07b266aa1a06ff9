import { isIPv4, isIPv6 } from 'node:net';

/** A parsed CIDR block. */
export interface Cidr {
  family: 4 | 6;
  /** The network address as a number (host bits cleared). */
  network: bigint;
  prefixLength: number;
}

function toBigInt(ip: string): bigint | undefined {
  if (isIPv4(ip))
    return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = toBigInt(v4[1]) ?? 0n;
    text = text.replace(v4[1], `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`);
  }
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

/** Parses `10.244.1.0/24` or `fd00::/64`; undefined when it is not a CIDR block. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  const family = isIPv4(m[1]) ? 4 : isIPv6(m[1]) ? 6 : undefined;
  const value = toBigInt(m[1]);
  const prefixLength = Number(m[2]);
  if (!family || value === undefined || prefixLength > (family === 4 ? 32 : 128)) return undefined;
  const bits = BigInt(family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(prefixLength);
  return { family, network: (value >> hostBits) << hostBits, prefixLength };
}

/** True when `ip` (a bare address) lies inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const value = toBigInt(ip);
  if (!c || value === undefined || (c.family === 4) !== isIPv4(ip)) return false;
  const hostBits = BigInt((c.family === 4 ? 32 : 128) - c.prefixLength);
  return (value >> hostBits) << hostBits === c.network;
}
