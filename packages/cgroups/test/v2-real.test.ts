import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CgroupPopulatedError,
  CgroupV2Manager,
  ControllerMissingError,
  detectCgroupMounts,
  PodCgroupHierarchy,
} from '../src/index.js';
import {
  exited,
  findCgroups,
  isRoot,
  killStarted,
  procStat,
  readTrim,
  sleep,
  spawnBusy,
  spawnSleep,
  uniqueRoot,
} from './helpers.js';

// The real cgroup2 mount of this machine (/sys/fs/cgroup/unified in hybrid mode). The v1
// hierarchies hold cpu, memory, pids..., so the only controller it can offer is hugetlb; what
// runs here is the core of cgroup v2 (mkdir/rmdir, cgroup.procs, cgroup.events,
// cgroup.freeze, cgroup.kill, cpu.stat, PSI files) plus hugetlb limits. cpu/memory/pids/io
// files are covered against the fixture tree (v2-fixture.test.ts).
const mounts = detectCgroupMounts();
const unified = mounts.unified;
const controllersHere = unified
  ? readFileSync(join(unified.mountPoint, 'cgroup.controllers'), 'utf8').trim().split(/\s+/)
  : [];
const hasHugetlb =
  controllersHere.includes('hugetlb') && existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB');

describe.skipIf(!isRoot || !unified)('cgroup v2 (real cgroup2 mount)', () => {
  const root = uniqueRoot('v2');
  let manager: CgroupV2Manager;
  const dir = (p: string) => join(unified?.mountPoint ?? '', p);

  const rootSubtree = join(unified?.mountPoint ?? '', 'cgroup.subtree_control');
  let subtreeBefore = '';

  beforeAll(async () => {
    subtreeBefore = readTrim(rootSubtree);
    // Enable nothing by default: the mount root is shared with other users of this machine.
    manager = new CgroupV2Manager({ mounts, controllers: [] });
    await manager.create(`/${root}`);
  });
  afterEach(killStarted);
  afterAll(async () => {
    await killStarted();
    await manager.destroy(`/${root}`);
    expect(findCgroups(root)).toEqual([]);
    // Put the mount root's subtree_control back as it was (the hugetlb test enables it).
    const added = readTrim(rootSubtree)
      .split(/\s+/)
      .filter((c) => c && !subtreeBefore.split(/\s+/).includes(c));
    if (added.length) writeFileSync(rootSubtree, added.map((c) => `-${c}`).join(' '));
    expect(readTrim(rootSubtree)).toBe(subtreeBefore);
  });

  it('creates a pod tree, moves a process in, reads cpu.stat and PSI', async () => {
    const available = await manager.controllers();
    const pods = new PodCgroupHierarchy({ manager, root: 'kubepods', parent: `/${root}` });
    if (!available.includes('cpu')) {
      // ensure() gives besteffort its 2 cpu shares: without a cpu controller it fails clearly.
      await expect(pods.ensure()).rejects.toBeInstanceOf(ControllerMissingError);
      expect(existsSync(dir(pods.qosPath('BestEffort')))).toBe(false);
    }
    const uid = 'aaaaaaaa-0000-0000-0000-000000000001';
    const path = pods.podPath('Burstable', uid);
    await manager.create(path); // creates kubepods and burstable on the way
    expect(existsSync(join(dir(path), 'cgroup.procs'))).toBe(true);
    const busy = spawnBusy();
    await manager.addProcess(path, busy.pid as number);
    expect(readFileSync(`/proc/${busy.pid}/cgroup`, 'utf8')).toContain(`0::${path}\n`);
    expect(await manager.processes(path)).toEqual([busy.pid]);
    expect(await manager.processes(`/${root}`, { recursive: true })).toEqual([busy.pid]);
    expect(readTrim(join(dir(path), 'cgroup.events'))).toContain('populated 1');
    await expect
      .poll(async () => (await manager.stats(path)).cpu?.usageNanos ?? 0, { timeout: 5000 })
      .toBeGreaterThan(0);
    const s = await manager.stats(path);
    expect(s.cpu?.userNanos).toBeGreaterThan(0);
    if (existsSync(join(dir(path), 'cpu.pressure')))
      expect(s.pressure?.cpu?.some.totalMicros).toBeGreaterThanOrEqual(0);
    if (!available.includes('memory')) {
      expect(s.memory).toBeUndefined();
      await expect(manager.watchMemoryEvents(path)).rejects.toBeInstanceOf(ControllerMissingError);
    }
    expect((await pods.listPods()).map((p) => p.uid)).toEqual([uid]);
    await pods.teardown();
    expect(await exited(busy)).toMatchObject({ signal: 'SIGKILL' });
    expect(existsSync(dir(pods.rootPath))).toBe(false);
  });

  it('freezes with cgroup.freeze (no CPU progress) and thaws', async () => {
    const path = `/${root}/freeze`;
    await manager.create(path);
    const busy = spawnBusy();
    const pid = busy.pid as number;
    await manager.addProcess(path, pid);
    await manager.freeze(path);
    expect(await manager.freezeState(path)).toBe('frozen');
    expect(readTrim(join(dir(path), 'cgroup.events'))).toContain('frozen 1');
    const before = procStat(pid).cpuTicks;
    await sleep(300);
    expect(procStat(pid).cpuTicks).toBe(before);
    await manager.thaw(path);
    expect(await manager.freezeState(path)).toBe('thawed');
    await expect.poll(() => procStat(pid).cpuTicks, { timeout: 5000 }).toBeGreaterThan(before);
    expect(await manager.killAll(path)).toBe(1); // cgroup.kill
    expect(await exited(busy)).toMatchObject({ signal: 'SIGKILL' });
    await manager.delete(path);
  });

  it('delete waits on cgroup.events populated, and fails clearly on a live process', async () => {
    const path = `/${root}/populated`;
    await manager.create(path);
    const short = spawnSleep(0.3);
    await manager.addProcess(path, short.pid as number);
    await manager.delete(path, { timeoutMs: 5000 });
    expect(existsSync(dir(path))).toBe(false);

    await manager.create(path);
    const busy = spawnBusy();
    await manager.addProcess(path, busy.pid as number);
    const err = await manager.delete(path, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupPopulatedError);
    expect((err as CgroupPopulatedError).pids).toEqual([busy.pid]);
    expect(existsSync(dir(path))).toBe(true);
    await manager.destroy(path);
    expect(existsSync(dir(path))).toBe(false);
  });

  it.skipIf(!hasHugetlb)(
    'sets and reads back a hugetlb limit (the one controller this mount has)',
    async () => {
      const withHugetlb = new CgroupV2Manager({ mounts, controllers: ['hugetlb'] });
      const path = `/${root}/huge`;
      await withHugetlb.create(path, {
        hugepageLimits: [{ pageSize: '2MB', limit: 4 * 1024 * 1024 }],
      });
      expect(readTrim(join(dir(path), 'hugetlb.2MB.max'))).toBe(String(4 * 1024 * 1024));
      expect((await withHugetlb.resources(path)).hugepageLimits).toContainEqual({
        pageSize: '2MB',
        limit: 4 * 1024 * 1024,
      });
      await withHugetlb.update(path, { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] });
      expect(readTrim(join(dir(path), 'hugetlb.2MB.max'))).toBe('0');
      await withHugetlb.delete(path);
    },
  );

  it.skipIf(controllersHere.includes('memory'))(
    'refuses resources whose controller the mount lacks, creating nothing',
    async () => {
      const path = `/${root}/nomem/leaf`;
      const err = await manager
        .create(path, { memory: { limit: 64 * 1024 * 1024 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ControllerMissingError);
      expect((err as ControllerMissingError).controller).toBe('memory');
      expect(existsSync(dir(`/${root}/nomem`))).toBe(false);
    },
  );
});
