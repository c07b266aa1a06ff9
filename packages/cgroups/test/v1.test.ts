import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CgroupManager,
  CgroupPopulatedError,
  CgroupV1Manager,
  detectCgroupMounts,
  type MemoryEvent,
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
  spawnGatedAllocator,
  spawnSleep,
  uniqueRoot,
} from './helpers.js';

// Real cgroup v1 on this machine: every assertion reads the kernel's files back.
const mounts = detectCgroupMounts();
const hasV1 = mounts.v1.has('memory') && mounts.v1.has('cpu');
const MI = 1024 ** 2;

describe.skipIf(!isRoot || !hasV1)('cgroup v1 (real kernel)', () => {
  const root = uniqueRoot('v1');
  let manager: CgroupManager;
  const memDir = (p: string) => join(mounts.v1.get('memory')?.mountPoint ?? '', p);
  const cpuDir = (p: string) => join(mounts.v1.get('cpu')?.mountPoint ?? '', p);

  beforeAll(async () => {
    manager = new CgroupV1Manager({ mounts });
    await manager.create(`/${root}`);
  });
  afterEach(killStarted);
  afterAll(async () => {
    await killStarted();
    await manager.destroy(`/${root}`);
    expect(findCgroups(root)).toEqual([]);
  });

  it('builds a pod tree, runs a process in it, and reads limits and stats back from the kernel', async () => {
    const pods = new PodCgroupHierarchy({ manager, root: 'kubepods', parent: `/${root}` });
    const alloc = await pods.ensure({
      capacity: { cpu: '2', memory: '4Gi' },
      kubeReserved: { cpu: '100m', memory: '256Mi' },
      systemReserved: { cpu: '100m', memory: '256Mi' },
      hardEvictionMemory: '100Mi',
    });
    expect(alloc?.allocatable.memoryBytes).toBe((4096 - 512 - 100) * MI);
    // kubepods: Node Allocatable enforced (capacity - reservations, as the kubelet does).
    expect(readTrim(memDir(`${root}/kubepods/memory.limit_in_bytes`))).toBe(
      String((4096 - 512) * MI),
    );
    expect(readTrim(cpuDir(`${root}/kubepods/cpu.shares`))).toBe('1843');
    expect(readTrim(cpuDir(`${root}/kubepods/besteffort/cpu.shares`))).toBe('2');

    const pod = await pods.createPod({
      uid: '11111111-2222-3333-4444-555555555555',
      containers: [
        {
          name: 'app',
          resources: {
            requests: { cpu: '250m', memory: '64Mi' },
            limits: { cpu: '500m', memory: '256Mi' },
          },
        },
      ],
    });
    expect(pod.qos).toBe('Burstable');
    expect(pod.path).toBe(`/${root}/kubepods/burstable/pod11111111-2222-3333-4444-555555555555`);
    const dir = pod.path.slice(1);
    expect(readTrim(cpuDir(`${dir}/cpu.cfs_quota_us`))).toBe('50000');
    expect(readTrim(cpuDir(`${dir}/cpu.cfs_period_us`))).toBe('100000');
    expect(readTrim(cpuDir(`${dir}/cpu.shares`))).toBe('256');
    expect(readTrim(memDir(`${dir}/memory.limit_in_bytes`))).toBe(String(256 * MI));
    expect(await manager.resources(pod.path)).toMatchObject({
      cpu: { shares: 256, quota: 50000, period: 100000 },
      memory: { limit: 256 * MI },
    });
    expect(
      (
        await pods.updateQos([
          { uid: pod.uid, containers: [{ resources: { requests: { cpu: '250m' } } }] },
        ])
      ).burstableShares,
    ).toBe(256);
    expect(readTrim(cpuDir(`${root}/kubepods/burstable/cpu.shares`))).toBe('256');

    const busy = spawnBusy();
    const hog = spawnGatedAllocator(48);
    await manager.addProcess(pod.path, busy.pid as number);
    await manager.addProcess(pod.path, hog.child.pid as number);
    hog.go();
    for (const ctrl of ['memory', 'cpu', 'cpuacct', 'pids', 'freezer']) {
      const mp = mounts.v1.get(ctrl)?.mountPoint;
      if (mp)
        expect(
          readTrim(join(mp, dir, 'cgroup.procs'))
            .split('\n')
            .map(Number),
        ).toContain(busy.pid);
    }
    expect((await manager.processes(pod.path)).sort()).toEqual([busy.pid, hog.child.pid].sort());

    await expect
      .poll(async () => (await manager.stats(pod.path)).memory?.rssBytes ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(40 * MI);
    await expect
      .poll(async () => (await manager.stats(pod.path)).cpu?.throttledPeriods ?? 0, {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    const s = await manager.stats(pod.path);
    expect(s.cpu?.usageNanos).toBeGreaterThan(0);
    expect(s.cpu?.userNanos).toBeGreaterThan(0);
    expect(s.cpu?.periods).toBeGreaterThan(0);
    expect(s.memory?.usageBytes).toBeGreaterThan(40 * MI);
    expect(s.memory?.workingSetBytes).toBeGreaterThan(0);
    expect(s.memory?.workingSetBytes).toBeLessThanOrEqual(s.memory?.usageBytes ?? 0);
    expect(s.memory?.limitBytes).toBe(256 * MI);
    expect(s.memory?.pageFaults).toBeGreaterThan(0);
    expect(s.pids?.current).toBeGreaterThanOrEqual(2);
    expect(s.pressure).toBeUndefined(); // cgroup v1 has no per-cgroup PSI here

    expect((await pods.listPods()).map((p) => p.uid)).toEqual([pod.uid]);
    await pods.deletePod(pod.uid);
    expect(await exited(busy)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(findCgroups(`pod${pod.uid}`)).toEqual([]);
    await pods.teardown();
    expect(findCgroups('kubepods', join('/sys/fs/cgroup/memory', root))).toEqual([]);
  });

  it('reports an OOM kill through the eventfd within a generous wait', async () => {
    const path = `/${root}/oom`;
    await manager.create(path, { memory: { limit: 32 * MI } });
    const watcher = await manager.watchMemoryEvents(path);
    const events: MemoryEvent[] = [];
    watcher.on('event', (e: MemoryEvent) => events.push(e));
    const hog = spawnGatedAllocator(128);
    await manager.addProcess(path, hog.child.pid as number);
    hog.go();
    await expect
      .poll(() => events.some((e) => e.type === 'oom'), { timeout: 10_000, interval: 20 })
      .toBe(true);
    expect(await exited(hog.child)).toMatchObject({ signal: 'SIGKILL' });
    await expect
      .poll(async () => (await manager.stats(path)).memory?.oomKills ?? 0)
      .toBeGreaterThanOrEqual(1);
    // Removing the cgroup signals the eventfd too: the watcher ends by itself.
    const ended = new Promise<void>((r) => watcher.once('close', () => r()));
    await manager.delete(path);
    await ended;
    expect(events.at(-1)).toEqual({ type: 'removed', path });
  });

  it('reports a memory usage threshold crossing', async () => {
    const path = `/${root}/threshold`;
    await manager.create(path);
    const watcher = await manager.watchMemoryEvents(path, { thresholds: [16 * MI] });
    try {
      const hog = spawnGatedAllocator(40);
      await manager.addProcess(path, hog.child.pid as number);
      hog.go();
      const it = watcher[Symbol.asyncIterator]();
      const first = await Promise.race([it.next(), sleep(10_000).then(() => undefined)]);
      expect(first?.value).toMatchObject({ type: 'threshold', path, thresholdBytes: 16 * MI });
    } finally {
      watcher.close();
      await manager.destroy(path);
    }
  });

  it('freezes a busy process (state D, no CPU progress) and thaws it', async () => {
    const path = `/${root}/freeze`;
    await manager.create(path);
    const busy = spawnBusy();
    const pid = busy.pid as number;
    await manager.addProcess(path, pid);
    await manager.freeze(path);
    expect(await manager.freezeState(path)).toBe('frozen');
    expect(procStat(pid).state).toBe('D');
    const before = procStat(pid).cpuTicks;
    await sleep(300);
    expect(procStat(pid).cpuTicks).toBe(before);
    await manager.thaw(path);
    expect(await manager.freezeState(path)).toBe('thawed');
    await expect.poll(() => procStat(pid).cpuTicks, { timeout: 5000 }).toBeGreaterThan(before);
    await manager.destroy(path);
    expect(await exited(busy)).toMatchObject({ signal: 'SIGKILL' });
  });

  it.skipIf(!mounts.v1.has('name=systemd') && !mounts.unified)(
    'delete also removes the copies runc makes in hierarchies it does not manage (name=systemd, cgroup2)',
    async () => {
      const path = `/${root}/runc-copies`;
      await manager.create(path);
      // What runc does for a container under the pod: the same path in every hierarchy.
      const companions = [
        mounts.v1.get('name=systemd')?.mountPoint,
        mounts.unified?.mountPoint,
      ].filter((m): m is string => m !== undefined);
      for (const mp of companions) mkdirSync(join(mp, path, 'container-1'), { recursive: true });
      await manager.delete(path);
      for (const mp of companions) expect(existsSync(join(mp, path))).toBe(false);
      expect(await manager.exists(path)).toBe(false);
    },
  );

  it('delete waits for processes to exit, and fails clearly when they do not', async () => {
    const path = `/${root}/populated`;
    await manager.create(path);
    const short = spawnSleep(0.3);
    await manager.addProcess(path, short.pid as number);
    await manager.delete(path, { timeoutMs: 5000 });
    expect(await manager.exists(path)).toBe(false);

    await manager.create(path);
    const busy = spawnBusy();
    await manager.addProcess(path, busy.pid as number);
    const err = await manager.delete(path, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupPopulatedError);
    expect((err as CgroupPopulatedError).pids).toEqual([busy.pid]);
    expect((err as Error).message).toMatch(/still has 1 process/);
    expect(await manager.exists(path)).toBe(true);
    expect(await manager.killAll(path)).toBe(1);
    await manager.delete(path);
    expect(await manager.exists(path)).toBe(false);
  });
});
