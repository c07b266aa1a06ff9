import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import { readOptional } from './manager-common.js';
import { parseV1Limit } from './resources-convert.js';
import { type CgroupStats, parseFlatKeyed, parseV1BlkioTotals, workingSet } from './stats.js';
import type { V1DirOf } from './v1-resources.js';

/** USER_HZ: the unit of `cpuacct.stat` (100 on every Linux architecture Node runs on). */
const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;

/** Read the statistics of one cgroup from its v1 hierarchies. */
export async function readV1Stats(
  fs: CgroupFileSystem,
  dirOf: V1DirOf,
  path: string,
): Promise<CgroupStats> {
  const read = (controller: string, file: string) => {
    const dir = dirOf(controller);
    return dir ? readOptional(fs, join(dir, file)) : Promise.resolve(undefined);
  };
  const [
    usage,
    usageUser,
    usageSys,
    acctStat,
    cpuStat,
    memUsage,
    memStat,
    oomControl,
    memLimit,
    pidsCur,
    pidsMax,
    ioBytes,
    ioOps,
  ] = await Promise.all([
    read('cpuacct', 'cpuacct.usage'),
    read('cpuacct', 'cpuacct.usage_user'),
    read('cpuacct', 'cpuacct.usage_sys'),
    read('cpuacct', 'cpuacct.stat'),
    read('cpu', 'cpu.stat'),
    read('memory', 'memory.usage_in_bytes'),
    read('memory', 'memory.stat'),
    read('memory', 'memory.oom_control'),
    read('memory', 'memory.limit_in_bytes'),
    read('pids', 'pids.current'),
    read('pids', 'pids.max'),
    read('blkio', 'blkio.throttle.io_service_bytes_recursive'),
    read('blkio', 'blkio.throttle.io_serviced_recursive'),
  ]);
  const stats: CgroupStats = { path, timestamp: Date.now() };
  if (usage !== undefined || cpuStat !== undefined) {
    const throttle = parseFlatKeyed(cpuStat ?? '');
    let userNanos = usageUser !== undefined ? Number(usageUser) : undefined;
    let systemNanos = usageSys !== undefined ? Number(usageSys) : undefined;
    if (userNanos === undefined || systemNanos === undefined) {
      const ticks = parseFlatKeyed(acctStat ?? '');
      userNanos = (ticks.get('user') ?? 0) * NS_PER_TICK;
      systemNanos = (ticks.get('system') ?? 0) * NS_PER_TICK;
    }
    stats.cpu = {
      usageNanos: Number(usage ?? 0),
      userNanos,
      systemNanos,
      periods: throttle.get('nr_periods') ?? 0,
      throttledPeriods: throttle.get('nr_throttled') ?? 0,
      throttledNanos: throttle.get('throttled_time') ?? 0,
    };
  }
  if (memUsage !== undefined) {
    const ms = parseFlatKeyed(memStat ?? '');
    const oom = parseFlatKeyed(oomControl ?? '');
    const used = Number(memUsage);
    stats.memory = {
      usageBytes: used,
      workingSetBytes: workingSet(used, ms.get('total_inactive_file')),
      rssBytes: ms.get('total_rss') ?? 0,
      cacheBytes: ms.get('total_cache') ?? 0,
      limitBytes: parseV1Limit(memLimit ?? '-1'),
      pageFaults: ms.get('total_pgfault') ?? 0,
      majorPageFaults: ms.get('total_pgmajfault') ?? 0,
      oomKills: oom.get('oom_kill') ?? 0,
    };
    const swap = ms.get('total_swap');
    if (swap !== undefined) stats.memory.swapBytes = swap;
  }
  if (pidsCur !== undefined) {
    const max = (pidsMax ?? 'max').trim();
    stats.pids = { current: Number(pidsCur), limit: max === 'max' ? -1 : Number(max) };
  }
  if (ioBytes !== undefined) {
    const bytes = parseV1BlkioTotals(ioBytes);
    const ops = parseV1BlkioTotals(ioOps ?? '');
    stats.io = {
      readBytes: bytes.read,
      writeBytes: bytes.write,
      readOps: ops.read,
      writeOps: ops.write,
    };
  }
  return stats;
}
