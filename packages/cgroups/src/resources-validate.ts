import { parseCpuset } from './cpuset.js';
import { InvalidArgumentError } from './errors.js';
import type { LinuxResources } from './resources.js';

/** cpu.shares bounds enforced by the kernel (and by the kubelet's MilliCPUToShares). */
export const MIN_CPU_SHARES = 2;
/** The largest cpu.shares value. */
export const MAX_CPU_SHARES = 262144;
/** The smallest CFS period and quota, in microseconds. */
export const MIN_CFS_US = 1000;
/** The largest CFS period, in microseconds. */
export const MAX_CFS_PERIOD_US = 1_000_000;

const PAGE_SIZE_RE = /^[1-9]\d*(KB|MB|GB)$/;

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok)
    throw new InvalidArgumentError(
      `resources.${field} = ${JSON.stringify(value)} is invalid: ${rule}`,
    );
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function limitOrUnlimited(v: number | undefined, field: string, min = 1): void {
  if (v === undefined) return;
  check(
    isInt(v) && (v === -1 || v >= min),
    field,
    v,
    `must be -1 (no limit) or an integer >= ${min}`,
  );
}

/**
 * Check every field of `r` before anything is written, so a bad value changes nothing.
 * Rules: integers only; shares 2..262144; quota -1 or >= 1000 us; period 1000..1000000 us;
 * cpuset lists well formed; memory limit and memory+swap -1 or > 0, swap >= limit;
 * reservation -1 or >= 0; pids -1 or > 0; hugepage page size like `2MB`, limit >= 0;
 * block I/O weight 10..1000.
 *
 * @throws {InvalidArgumentError} naming the first bad field and value.
 */
export function validateResources(r: LinuxResources): void {
  if (typeof r !== 'object' || r === null)
    throw new InvalidArgumentError(`resources ${String(r)} is not an object`);
  const { cpu, memory, pids, hugepageLimits, blockIO } = r;
  if (cpu) {
    if (cpu.shares !== undefined) {
      check(
        isInt(cpu.shares) && cpu.shares >= MIN_CPU_SHARES && cpu.shares <= MAX_CPU_SHARES,
        'cpu.shares',
        cpu.shares,
        `must be an integer in ${MIN_CPU_SHARES}..${MAX_CPU_SHARES}`,
      );
    }
    limitOrUnlimited(cpu.quota, 'cpu.quota', MIN_CFS_US);
    if (cpu.period !== undefined) {
      check(
        isInt(cpu.period) && cpu.period >= MIN_CFS_US && cpu.period <= MAX_CFS_PERIOD_US,
        'cpu.period',
        cpu.period,
        `must be an integer in ${MIN_CFS_US}..${MAX_CFS_PERIOD_US} microseconds`,
      );
    }
    if (cpu.cpus !== undefined) parseCpuset(cpu.cpus, 'resources.cpu.cpus');
    if (cpu.mems !== undefined) parseCpuset(cpu.mems, 'resources.cpu.mems');
  }
  if (memory) {
    limitOrUnlimited(memory.limit, 'memory.limit');
    limitOrUnlimited(memory.swap, 'memory.swap');
    limitOrUnlimited(memory.reservation, 'memory.reservation', 0);
    if (memory.swap !== undefined && memory.swap !== -1 && memory.limit !== undefined) {
      check(
        memory.limit !== -1 && memory.swap >= memory.limit,
        'memory.swap',
        memory.swap,
        `memory+swap must be >= memory.limit (${memory.limit}) and needs a memory limit`,
      );
    }
  }
  if (pids) limitOrUnlimited(pids.limit, 'pids.limit');
  if (hugepageLimits) {
    check(Array.isArray(hugepageLimits), 'hugepageLimits', hugepageLimits, 'must be an array');
    const seen = new Set<string>();
    for (const [i, h] of hugepageLimits.entries()) {
      check(
        typeof h?.pageSize === 'string' && PAGE_SIZE_RE.test(h.pageSize),
        `hugepageLimits[${i}].pageSize`,
        h?.pageSize,
        'must look like 2MB, 1GB or 64KB',
      );
      check(!seen.has(h.pageSize), `hugepageLimits[${i}].pageSize`, h.pageSize, 'is listed twice');
      seen.add(h.pageSize);
      check(
        isInt(h.limit) && h.limit >= 0,
        `hugepageLimits[${i}].limit`,
        h.limit,
        'must be an integer >= 0',
      );
    }
  }
  if (blockIO?.weight !== undefined) {
    check(
      isInt(blockIO.weight) && blockIO.weight >= 10 && blockIO.weight <= 1000,
      'blockIO.weight',
      blockIO.weight,
      'must be an integer in 10..1000',
    );
  }
}
