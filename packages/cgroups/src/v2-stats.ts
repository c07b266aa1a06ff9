import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import { readOptional } from './manager-common.js';
import { parseV2Limit } from './resources-convert.js';
import {
  type CgroupStats,
  type PressureStats,
  parseFlatKeyed,
  parsePressure,
  parseV2IoStat,
  workingSet,
} from './stats.js';

const NS_PER_US = 1000;

/**
 * Read the statistics of one v2 cgroup. `cgroup.controllers` says which controller files
 * exist, so no read is wasted on a missing file; `cpu.stat` and the PSI files exist even
 * without controllers.
 */
export async function readV2Stats(
  fs: CgroupFileSystem,
  dir: string,
  path: string,
  isRoot: boolean,
): Promise<CgroupStats> {
  const read = (name: string) => readOptional(fs, join(dir, name));
  const controllersText = isRoot ? 'memory pids io' : await read('cgroup.controllers');
  const controllers = new Set((controllersText ?? '').trim().split(/\s+/));
  const hasMem = controllers.has('memory');
  const skip = Promise.resolve(undefined);
  const [
    cpuStat,
    memCur,
    memStat,
    memEvents,
    memMax,
    swapCur,
    pidsCur,
    pidsMax,
    ioStat,
    cpuP,
    memP,
    ioP,
  ] = await Promise.all([
    read('cpu.stat'),
    hasMem ? read('memory.current') : skip,
    hasMem ? read('memory.stat') : skip,
    hasMem ? read('memory.events') : skip,
    hasMem ? read('memory.max') : skip,
    hasMem ? read('memory.swap.current') : skip,
    controllers.has('pids') ? read('pids.current') : skip,
    controllers.has('pids') ? read('pids.max') : skip,
    controllers.has('io') ? read('io.stat') : skip,
    read('cpu.pressure'),
    read('memory.pressure'),
    read('io.pressure'),
  ]);
  const stats: CgroupStats = { path, timestamp: Date.now() };
  if (cpuStat !== undefined) {
    const c = parseFlatKeyed(cpuStat);
    stats.cpu = {
      usageNanos: (c.get('usage_usec') ?? 0) * NS_PER_US,
      userNanos: (c.get('user_usec') ?? 0) * NS_PER_US,
      systemNanos: (c.get('system_usec') ?? 0) * NS_PER_US,
      periods: c.get('nr_periods') ?? 0,
      throttledPeriods: c.get('nr_throttled') ?? 0,
      throttledNanos: (c.get('throttled_usec') ?? 0) * NS_PER_US,
    };
  }
  if (memCur !== undefined) {
    const ms = parseFlatKeyed(memStat ?? '');
    const ev = parseFlatKeyed(memEvents ?? '');
    const usage = Number(memCur);
    stats.memory = {
      usageBytes: usage,
      workingSetBytes: workingSet(usage, ms.get('inactive_file')),
      rssBytes: ms.get('anon') ?? 0,
      cacheBytes: ms.get('file') ?? 0,
      limitBytes: parseV2Limit(memMax ?? 'max'),
      pageFaults: ms.get('pgfault') ?? 0,
      majorPageFaults: ms.get('pgmajfault') ?? 0,
      oomKills: ev.get('oom_kill') ?? 0,
      oomEvents: ev.get('oom') ?? 0,
    };
    if (swapCur !== undefined) stats.memory.swapBytes = Number(swapCur);
  }
  if (pidsCur !== undefined)
    stats.pids = { current: Number(pidsCur), limit: parseV2Limit(pidsMax ?? 'max') };
  if (ioStat !== undefined) stats.io = parseV2IoStat(ioStat);
  const pressure: PressureStats = {};
  const cpuPressure = cpuP === undefined ? undefined : parsePressure(cpuP);
  const memPressure = memP === undefined ? undefined : parsePressure(memP);
  const ioPressure = ioP === undefined ? undefined : parsePressure(ioP);
  if (cpuPressure) pressure.cpu = cpuPressure;
  if (memPressure) pressure.memory = memPressure;
  if (ioPressure) pressure.io = ioPressure;
  if (cpuPressure || memPressure || ioPressure) stats.pressure = pressure;
  return stats;
}
