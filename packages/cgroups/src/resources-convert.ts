import { InvalidArgumentError } from './errors.js';
import { MAX_CPU_SHARES, MIN_CPU_SHARES } from './resources-validate.js';

/** The CFS period the kernel and the kubelet use by default, in microseconds. */
export const DEFAULT_CFS_PERIOD_US = 100_000;

/**
 * v1 `cpu.shares` (2..262144) to v2 `cpu.weight` (1..10000), with the linear formula the
 * kubelet (`CpuSharesToCpuWeight`) and runc use: `1 + ((shares - 2) * 9999) / 262142`.
 * Out-of-range shares are clamped first.
 */
export function cpuSharesToWeight(shares: number): number {
  const s = Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, Math.trunc(shares)));
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/**
 * v2 `cpu.weight` (1..10000) back to `cpu.shares`, as the kubelet does
 * (`CpuWeightToCpuShares`): `((weight - 1) * 262142) / 9999 + 2`. The round trip loses
 * precision (1024 shares -> weight 39 -> 998 shares).
 */
export function cpuWeightToShares(weight: number): number {
  const w = Math.min(10000, Math.max(1, Math.trunc(weight)));
  return Math.floor(((w - 1) * 262142) / 9999) + 2;
}

/** The v2 `cpu.max` line for a quota and period (quota -1 or undefined = `max`). */
export function formatCpuMax(quota: number | undefined, period: number | undefined): string {
  const q = quota === undefined || quota === -1 ? 'max' : String(quota);
  return `${q} ${period ?? DEFAULT_CFS_PERIOD_US}`;
}

/**
 * Parse a v2 `cpu.max` line (`max 100000`, `50000 100000`) into quota (-1 = no limit) and
 * period.
 *
 * @throws {InvalidArgumentError} when the line is not two fields.
 */
export function parseCpuMax(line: string): { quota: number; period: number } {
  const [q, p] = line.trim().split(/\s+/);
  const period = Number(p);
  const quota = q === 'max' ? -1 : Number(q);
  if (!q || !Number.isFinite(quota) || !Number.isFinite(period)) {
    throw new InvalidArgumentError(`cpu.max ${JSON.stringify(line)} is not "<quota|max> <period>"`);
  }
  return { quota, period };
}

/** v1 blkio weight (10..1000) to v2 `io.weight` (1..10000), as runc converts it. */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** v2 `io.weight` (1..10000) back to a blkio weight (10..1000). */
export function ioWeightToBlkioWeight(weight: number): number {
  return 10 + Math.floor(((weight - 1) * 990) / 9999);
}

/**
 * OCI memory+swap to the v2 `memory.swap.max` value (swap only), as runc's
 * `ConvertMemorySwapToCgroupV2Value`: -1 stays "max"; otherwise swap - limit.
 *
 * @throws {InvalidArgumentError} when swap is set without a memory limit or below it.
 */
export function memorySwapToV2(swap: number, limit: number | undefined): number {
  if (swap === -1) return -1;
  if (limit === undefined || limit === -1) {
    throw new InvalidArgumentError(
      `resources.memory.swap = ${swap} needs a memory limit (cgroup v2 stores swap apart from memory)`,
    );
  }
  if (swap < limit)
    throw new InvalidArgumentError(
      `resources.memory.swap = ${swap} is below resources.memory.limit = ${limit}`,
    );
  return swap - limit;
}

/** Values at or above this are "no limit" in v1 memory files (the page-rounded int64 max). */
export const V1_UNLIMITED_THRESHOLD = 2 ** 62;

/** Format a limit for a v2 file: -1 becomes `max`. */
export const v2Limit = (v: number): string => (v === -1 ? 'max' : String(v));

/** Parse a v2 limit file (`max` or a number) into a number, -1 for `max`. */
export function parseV2Limit(text: string): number {
  const t = text.trim();
  return t === 'max' ? -1 : Number(t);
}

/** Parse a v1 limit file: the kernel's "unlimited" (about 2^63) becomes -1. */
export function parseV1Limit(text: string): number {
  const n = Number(text.trim());
  return n >= V1_UNLIMITED_THRESHOLD ? -1 : n;
}
