import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import {
  ControllerMissingError,
  FailedPreconditionError,
  InvalidArgumentError,
  isInvalidArgument,
} from './errors.js';
import type { FileTransaction } from './manager-common.js';
import { readOptional } from './manager-common.js';
import type { LinuxResources } from './resources.js';
import { parseV1Limit } from './resources-convert.js';
import { parseFlatKeyed, workingSet } from './stats.js';

/** The directory of one cgroup in a v1 controller hierarchy, or undefined when not mounted. */
export type V1DirOf = (controller: string) => string | undefined;

function need(dirOf: V1DirOf, controller: string, what: string): string {
  const dir = dirOf(controller);
  if (!dir)
    throw new ControllerMissingError(
      controller,
      `${what} needs the v1 ${controller} controller, which is not mounted`,
    );
  return dir;
}

/** Refuse a memory limit below the working set (the kernel could only OOM-kill to meet it). */
export async function checkMemoryLimitAgainstUsage(
  fs: CgroupFileSystem,
  limit: number,
  usageFile: string,
  statFile: string,
  inactiveKey: string,
  path: string,
): Promise<void> {
  if (limit === -1) return;
  const usageText = await readOptional(fs, usageFile);
  if (usageText === undefined) return;
  const usage = Number(usageText.trim());
  const stat = parseFlatKeyed((await readOptional(fs, statFile)) ?? '');
  const ws = workingSet(usage, stat.get(inactiveKey));
  if (limit < ws) {
    throw new FailedPreconditionError(
      `memory limit ${limit} for ${path} is below its current working set ${ws} (usage ${usage})`,
    );
  }
}

/**
 * Write OCI resources to v1 files, in the orders runc uses (cfs period before quota, with
 * the reverse order as a fallback; memory+swap before memory when growing).
 */
export async function applyV1Resources(
  fs: CgroupFileSystem,
  tx: FileTransaction,
  dirOf: V1DirOf,
  path: string,
  r: LinuxResources,
): Promise<void> {
  const { cpu, memory, pids, hugepageLimits, blockIO } = r;
  if (
    memory &&
    (memory.limit !== undefined || memory.swap !== undefined || memory.reservation !== undefined)
  ) {
    const dir = need(dirOf, 'memory', 'resources.memory');
    const limitFile = join(dir, 'memory.limit_in_bytes');
    const swapFile = join(dir, 'memory.memsw.limit_in_bytes');
    let { limit, swap } = memory;
    if (limit !== undefined) {
      await checkMemoryLimitAgainstUsage(
        fs,
        limit,
        join(dir, 'memory.usage_in_bytes'),
        join(dir, 'memory.stat'),
        'total_inactive_file',
        path,
      );
    }
    if (swap !== undefined && !(await fs.exists(swapFile))) {
      throw new ControllerMissingError(
        'memory',
        `resources.memory.swap needs swap accounting (${swapFile} is missing: boot with swapaccount=1)`,
      );
    }
    // As runc: an unlimited memory with no swap setting means unlimited swap too.
    if (limit === -1 && swap === undefined && (await fs.exists(swapFile))) swap = -1;
    const v = (n: number) => String(n);
    try {
      if (limit !== undefined && swap !== undefined) {
        const current = parseV1Limit(await tx.read(limitFile));
        if (swap === -1 || current === -1 || current < swap) {
          await tx.write(swapFile, v(swap));
          await tx.write(limitFile, v(limit));
        } else {
          await tx.write(limitFile, v(limit));
          await tx.write(swapFile, v(swap));
        }
      } else if (limit !== undefined) {
        await tx.write(limitFile, v(limit));
      } else if (swap !== undefined) {
        await tx.write(swapFile, v(swap));
      }
    } catch (err) {
      if (err instanceof FailedPreconditionError && limit !== undefined) {
        throw new FailedPreconditionError(
          `memory limit ${limit} for ${path} could not be met: the kernel could not reclaim enough memory (usage is above the limit)`,
          { cause: err },
        );
      }
      throw err;
    }
    if (memory.reservation !== undefined)
      await tx.write(join(dir, 'memory.soft_limit_in_bytes'), String(memory.reservation));
  }
  if (cpu) {
    if (cpu.shares !== undefined || cpu.quota !== undefined || cpu.period !== undefined) {
      const dir = need(dirOf, 'cpu', 'resources.cpu shares/quota/period');
      if (cpu.shares !== undefined) await tx.write(join(dir, 'cpu.shares'), String(cpu.shares));
      const periodFile = join(dir, 'cpu.cfs_period_us');
      const quotaFile = join(dir, 'cpu.cfs_quota_us');
      if (cpu.period !== undefined && cpu.quota !== undefined) {
        try {
          await tx.write(periodFile, String(cpu.period));
        } catch (err) {
          if (!isInvalidArgument(err)) throw err;
          // The new period does not fit the old quota: write the quota first (runc does the same).
          await tx.write(quotaFile, String(cpu.quota));
          await tx.write(periodFile, String(cpu.period));
        }
        await tx.write(quotaFile, String(cpu.quota));
      } else if (cpu.period !== undefined) {
        await tx.write(periodFile, String(cpu.period));
      } else if (cpu.quota !== undefined) {
        await tx.write(quotaFile, String(cpu.quota));
      }
    }
    if (cpu.cpus !== undefined)
      await tx.write(join(need(dirOf, 'cpuset', 'resources.cpu.cpus'), 'cpuset.cpus'), cpu.cpus);
    if (cpu.mems !== undefined)
      await tx.write(join(need(dirOf, 'cpuset', 'resources.cpu.mems'), 'cpuset.mems'), cpu.mems);
  }
  if (pids) {
    await tx.write(
      join(need(dirOf, 'pids', 'resources.pids'), 'pids.max'),
      pids.limit === -1 ? 'max' : String(pids.limit),
    );
  }
  for (const h of hugepageLimits ?? []) {
    const file = join(
      need(dirOf, 'hugetlb', 'resources.hugepageLimits'),
      `hugetlb.${h.pageSize}.limit_in_bytes`,
    );
    if (!(await fs.exists(file))) {
      throw new InvalidArgumentError(
        `huge page size ${h.pageSize} is not supported by this kernel (${file} is missing)`,
      );
    }
    await tx.write(file, String(h.limit));
  }
  if (blockIO?.weight !== undefined) {
    const dir = need(dirOf, 'blkio', 'resources.blockIO.weight');
    const file = (await fs.exists(join(dir, 'blkio.weight')))
      ? join(dir, 'blkio.weight')
      : (await fs.exists(join(dir, 'blkio.bfq.weight')))
        ? join(dir, 'blkio.bfq.weight')
        : undefined;
    if (!file) {
      throw new ControllerMissingError(
        'blkio',
        `resources.blockIO.weight needs blkio.weight or blkio.bfq.weight in ${dir} (the disk scheduler is neither CFQ nor BFQ)`,
      );
    }
    await tx.write(file, String(blockIO.weight));
  }
}

/** Check, before anything is created, that the controllers a resource set needs exist. */
export async function checkV1Support(
  fs: CgroupFileSystem,
  rootDirOf: V1DirOf,
  r: LinuxResources,
): Promise<void> {
  if (
    r.cpu &&
    (r.cpu.shares !== undefined || r.cpu.quota !== undefined || r.cpu.period !== undefined)
  )
    need(rootDirOf, 'cpu', 'resources.cpu shares/quota/period');
  if (r.cpu?.cpus !== undefined || r.cpu?.mems !== undefined)
    need(rootDirOf, 'cpuset', 'resources.cpu.cpus/mems');
  if (r.memory && Object.values(r.memory).some((v) => v !== undefined)) {
    const dir = need(rootDirOf, 'memory', 'resources.memory');
    if (
      r.memory.swap !== undefined &&
      !(await fs.exists(join(dir, 'memory.memsw.limit_in_bytes')))
    ) {
      throw new ControllerMissingError(
        'memory',
        'resources.memory.swap needs swap accounting (memory.memsw.limit_in_bytes is missing: boot with swapaccount=1)',
      );
    }
  }
  if (r.pids) need(rootDirOf, 'pids', 'resources.pids');
  if (r.hugepageLimits?.length) {
    const dir = need(rootDirOf, 'hugetlb', 'resources.hugepageLimits');
    for (const h of r.hugepageLimits) {
      if (!(await fs.exists(join(dir, `hugetlb.${h.pageSize}.limit_in_bytes`)))) {
        throw new InvalidArgumentError(
          `huge page size ${h.pageSize} is not supported by this kernel`,
        );
      }
    }
  }
  if (r.blockIO?.weight !== undefined) {
    const dir = need(rootDirOf, 'blkio', 'resources.blockIO.weight');
    if (
      !(await fs.exists(join(dir, 'blkio.weight'))) &&
      !(await fs.exists(join(dir, 'blkio.bfq.weight')))
    ) {
      throw new ControllerMissingError(
        'blkio',
        'resources.blockIO.weight needs blkio.weight or blkio.bfq.weight (the disk scheduler is neither CFQ nor BFQ)',
      );
    }
  }
}

/** Read the OCI resources back from v1 files (fields whose controller is missing are left out). */
export async function readV1Resources(
  fs: CgroupFileSystem,
  dirOf: V1DirOf,
): Promise<LinuxResources> {
  const out: LinuxResources = {};
  const num = async (dir: string | undefined, file: string) => {
    if (!dir) return undefined;
    const t = await readOptional(fs, join(dir, file));
    return t === undefined ? undefined : t.trim();
  };
  const cpuDir = dirOf('cpu');
  const cpusetDir = dirOf('cpuset');
  const shares = await num(cpuDir, 'cpu.shares');
  const quota = await num(cpuDir, 'cpu.cfs_quota_us');
  const period = await num(cpuDir, 'cpu.cfs_period_us');
  const cpus = await num(cpusetDir, 'cpuset.cpus');
  const mems = await num(cpusetDir, 'cpuset.mems');
  if (cpuDir || cpusetDir) {
    out.cpu = {};
    if (shares !== undefined) out.cpu.shares = Number(shares);
    if (quota !== undefined) out.cpu.quota = Number(quota);
    if (period !== undefined) out.cpu.period = Number(period);
    if (cpus !== undefined) out.cpu.cpus = cpus;
    if (mems !== undefined) out.cpu.mems = mems;
  }
  const memDir = dirOf('memory');
  if (memDir) {
    out.memory = {};
    const limit = await num(memDir, 'memory.limit_in_bytes');
    const swap = await num(memDir, 'memory.memsw.limit_in_bytes');
    const soft = await num(memDir, 'memory.soft_limit_in_bytes');
    if (limit !== undefined) out.memory.limit = parseV1Limit(limit);
    if (swap !== undefined) out.memory.swap = parseV1Limit(swap);
    if (soft !== undefined) out.memory.reservation = parseV1Limit(soft);
  }
  const pidsMax = await num(dirOf('pids'), 'pids.max');
  if (pidsMax !== undefined) out.pids = { limit: pidsMax === 'max' ? -1 : Number(pidsMax) };
  const hugeDir = dirOf('hugetlb');
  if (hugeDir) {
    const sizes = (await fs.listFiles(hugeDir))
      .map((f) => /^hugetlb\.(\w+)\.limit_in_bytes$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    if (sizes.length) {
      out.hugepageLimits = [];
      for (const size of sizes) {
        const t = await num(hugeDir, `hugetlb.${size}.limit_in_bytes`);
        if (t !== undefined) out.hugepageLimits.push({ pageSize: size, limit: parseV1Limit(t) });
      }
    }
  }
  const blkDir = dirOf('blkio');
  const weight = (await num(blkDir, 'blkio.weight')) ?? (await num(blkDir, 'blkio.bfq.weight'));
  if (weight !== undefined)
    out.blockIO = { weight: Number(weight.replace(/^default\s+/, '').split('\n')[0]) };
  return out;
}
