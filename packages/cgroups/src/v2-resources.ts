import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import { ControllerMissingError, InvalidArgumentError } from './errors.js';
import { type FileTransaction, readOptional } from './manager-common.js';
import { controllersFor, type LinuxResources } from './resources.js';
import {
  blkioWeightToIoWeight,
  cpuSharesToWeight,
  cpuWeightToShares,
  formatCpuMax,
  ioWeightToBlkioWeight,
  memorySwapToV2,
  parseCpuMax,
  parseV2Limit,
  v2Limit,
} from './resources-convert.js';
import { checkMemoryLimitAgainstUsage } from './v1-resources.js';

/** v1 controller names to their v2 names (blkio became io). */
const V2_NAME: Record<string, string> = { blkio: 'io' };

/** The v2 controllers a resource set needs. */
export function v2ControllersFor(r: LinuxResources): string[] {
  return [...controllersFor(r)].map((c) => V2_NAME[c] ?? c);
}

/**
 * Write OCI resources to v2 files with runc's conversions: shares -> cpu.weight,
 * quota/period -> cpu.max, reservation -> memory.low, memory+swap -> memory.swap.max,
 * blkio weight -> io.bfq.weight (same scale) or io.weight (converted).
 */
export async function applyV2Resources(
  fs: CgroupFileSystem,
  tx: FileTransaction,
  dir: string,
  path: string,
  r: LinuxResources,
): Promise<void> {
  const { cpu, memory, pids, hugepageLimits, blockIO } = r;
  const f = (name: string) => join(dir, name);
  if (memory) {
    const { limit, reservation } = memory;
    let { swap } = memory;
    if (limit !== undefined) {
      await checkMemoryLimitAgainstUsage(
        fs,
        limit,
        f('memory.current'),
        f('memory.stat'),
        'inactive_file',
        path,
      );
    }
    const hasSwapFile = await fs.exists(f('memory.swap.max'));
    if (swap !== undefined && !hasSwapFile) {
      throw new ControllerMissingError(
        'memory',
        `resources.memory.swap needs swap accounting (${f('memory.swap.max')} is missing)`,
      );
    }
    if (limit === -1 && swap === undefined && hasSwapFile) swap = -1;
    if (limit !== undefined) await tx.write(f('memory.max'), v2Limit(limit));
    if (swap !== undefined) {
      const effectiveLimit = limit ?? parseV2Limit(await tx.read(f('memory.max')));
      await tx.write(f('memory.swap.max'), v2Limit(memorySwapToV2(swap, effectiveLimit)));
    }
    if (reservation !== undefined)
      await tx.write(f('memory.low'), String(reservation === -1 ? 0 : reservation));
  }
  if (cpu) {
    if (cpu.shares !== undefined)
      await tx.write(f('cpu.weight'), String(cpuSharesToWeight(cpu.shares)));
    if (cpu.quota !== undefined || cpu.period !== undefined) {
      let { quota, period } = cpu;
      if (quota === undefined || period === undefined) {
        const current = parseCpuMax(await tx.read(f('cpu.max')));
        quota ??= current.quota;
        period ??= current.period;
      }
      await tx.write(f('cpu.max'), formatCpuMax(quota, period));
    }
    if (cpu.cpus !== undefined) await tx.write(f('cpuset.cpus'), cpu.cpus);
    if (cpu.mems !== undefined) await tx.write(f('cpuset.mems'), cpu.mems);
  }
  if (pids) await tx.write(f('pids.max'), v2Limit(pids.limit));
  for (const h of hugepageLimits ?? []) {
    const file = f(`hugetlb.${h.pageSize}.max`);
    if (!(await fs.exists(file)))
      throw new InvalidArgumentError(
        `huge page size ${h.pageSize} is not supported by this kernel (${file} is missing)`,
      );
    await tx.write(file, String(h.limit));
  }
  if (blockIO?.weight !== undefined) {
    if (await fs.exists(f('io.bfq.weight')))
      await tx.write(f('io.bfq.weight'), String(blockIO.weight));
    else if (await fs.exists(f('io.weight')))
      await tx.write(f('io.weight'), `default ${blkioWeightToIoWeight(blockIO.weight)}`);
    else
      throw new ControllerMissingError(
        'io',
        `resources.blockIO.weight needs io.bfq.weight or io.weight in ${dir}`,
      );
  }
}

/** Read the OCI resources back from v2 files, converting weights back to the v1 scales. */
export async function readV2Resources(fs: CgroupFileSystem, dir: string): Promise<LinuxResources> {
  const read = async (name: string) => (await readOptional(fs, join(dir, name)))?.trim();
  const out: LinuxResources = {};
  const [weight, max, cpus, mems, memMax, memLow, swapMax, pidsMax, bfq, ioWeight] =
    await Promise.all(
      [
        'cpu.weight',
        'cpu.max',
        'cpuset.cpus',
        'cpuset.mems',
        'memory.max',
        'memory.low',
        'memory.swap.max',
        'pids.max',
        'io.bfq.weight',
        'io.weight',
      ].map(read),
    );
  if (weight !== undefined || max !== undefined || cpus !== undefined) {
    out.cpu = {};
    if (weight !== undefined) out.cpu.shares = cpuWeightToShares(Number(weight));
    if (max !== undefined) {
      const { quota, period } = parseCpuMax(max);
      out.cpu.quota = quota;
      out.cpu.period = period;
    }
    if (cpus !== undefined) out.cpu.cpus = cpus;
    if (mems !== undefined) out.cpu.mems = mems;
  }
  if (memMax !== undefined) {
    const limit = parseV2Limit(memMax);
    out.memory = { limit };
    if (memLow !== undefined) out.memory.reservation = parseV2Limit(memLow);
    if (swapMax !== undefined) {
      const swap = parseV2Limit(swapMax);
      out.memory.swap = swap === -1 || limit === -1 ? -1 : limit + swap;
    }
  }
  if (pidsMax !== undefined) out.pids = { limit: parseV2Limit(pidsMax) };
  const sizes = (await fs.listFiles(dir).catch(() => []))
    .map((n) => /^hugetlb\.(\w+)\.max$/.exec(n)?.[1])
    .filter((s): s is string => s !== undefined);
  if (sizes.length) {
    out.hugepageLimits = [];
    for (const size of sizes)
      out.hugepageLimits.push({
        pageSize: size,
        limit: parseV2Limit((await read(`hugetlb.${size}.max`)) ?? 'max'),
      });
  }
  const defaultWeight = (t: string) =>
    Number(/(?:^|\n)default\s+(\d+)/.exec(t)?.[1] ?? t.split('\n')[0]);
  if (bfq !== undefined) out.blockIO = { weight: defaultWeight(bfq) };
  else if (ioWeight !== undefined)
    out.blockIO = { weight: ioWeightToBlkioWeight(defaultWeight(ioWeight)) };
  return out;
}

/** Fail with a clear error when the root does not offer a controller a resource set needs. */
export function checkV2Support(
  available: ReadonlySet<string>,
  r: LinuxResources,
  mountPoint: string,
): void {
  for (const c of v2ControllersFor(r)) {
    if (!available.has(c)) {
      throw new ControllerMissingError(
        c,
        `the ${c} controller is not available in the cgroup v2 hierarchy at ${mountPoint} (cgroup.controllers lists: ${[...available].join(' ') || 'nothing'})`,
      );
    }
  }
}
