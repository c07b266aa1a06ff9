import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CgroupPopulatedError,
  CgroupV2Manager,
  ControllerMissingError,
  FailedPreconditionError,
  InvalidArgumentError,
  type MemoryEvent,
  PodCgroupHierarchy,
  UnimplementedError,
} from '../src/index.js';
import { Cgroup2Fixture } from './fixtures/cgroup2-fixture.js';

// cgroup v2 file-level logic against a temporary tree laid out like a cgroup2 filesystem
// (test/fixtures/cgroup2-fixture.ts imitates the kernel's side effects on writes).
const MI = 1024 ** 2;
const read = (file: string) => readFileSync(file, 'utf8').trim();

describe('cgroup v2 (fixture tree)', () => {
  let fx: Cgroup2Fixture;
  let manager: CgroupV2Manager;
  const at = (p: string, f: string) => join(fx.root, p, f);

  beforeEach(async () => {
    fx = await Cgroup2Fixture.create();
    manager = new CgroupV2Manager({ mountPoint: fx.root, fs: fx });
  });
  afterEach(() => fx.dispose());

  it('enables controllers down the path and writes every resource with the v2 conversions', async () => {
    await manager.create('/kubepods/pod1', {
      cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
      memory: { limit: 256 * MI, reservation: 64 * MI, swap: 512 * MI },
      pids: { limit: 100 },
      hugepageLimits: [{ pageSize: '2MB', limit: 4 * MI }],
      blockIO: { weight: 500 },
    });
    for (const dir of ['', 'kubepods']) {
      expect(read(at(dir, 'cgroup.subtree_control')).split(' ').sort()).toEqual([
        'cpu',
        'cpuset',
        'hugetlb',
        'io',
        'memory',
        'pids',
      ]);
    }
    expect(read(at('kubepods/pod1', 'cgroup.subtree_control'))).toBe(''); // a leaf keeps processes
    expect(read(at('kubepods/pod1', 'cpu.weight'))).toBe('39');
    expect(read(at('kubepods/pod1', 'cpu.max'))).toBe('50000 100000');
    expect(read(at('kubepods/pod1', 'cpuset.cpus'))).toBe('0-1');
    expect(read(at('kubepods/pod1', 'memory.max'))).toBe(String(256 * MI));
    expect(read(at('kubepods/pod1', 'memory.low'))).toBe(String(64 * MI));
    expect(read(at('kubepods/pod1', 'memory.swap.max'))).toBe(String(256 * MI)); // swap only
    expect(read(at('kubepods/pod1', 'pids.max'))).toBe('100');
    expect(read(at('kubepods/pod1', 'hugetlb.2MB.max'))).toBe(String(4 * MI));
    expect(read(at('kubepods/pod1', 'io.weight'))).toBe('default 4950');
    expect(await manager.resources('/kubepods/pod1')).toEqual({
      cpu: { shares: 998, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
      memory: { limit: 256 * MI, reservation: 64 * MI, swap: 512 * MI },
      pids: { limit: 100 },
      hugepageLimits: [
        { pageSize: '1GB', limit: -1 },
        { pageSize: '2MB', limit: 4 * MI },
      ],
      blockIO: { weight: 500 },
    });
  });

  it('updates quota alone or period alone inside cpu.max, and lifts limits with -1', async () => {
    await manager.create('/a', {
      cpu: { quota: 20000, period: 100000 },
      memory: { limit: 64 * MI },
    });
    await manager.update('/a', { cpu: { period: 50000 } });
    expect(read(at('a', 'cpu.max'))).toBe('20000 50000');
    await manager.update('/a', { cpu: { quota: -1 } });
    expect(read(at('a', 'cpu.max'))).toBe('max 50000');
    await manager.update('/a', { memory: { limit: -1 }, pids: { limit: -1 } });
    expect(read(at('a', 'memory.max'))).toBe('max');
    expect(read(at('a', 'memory.swap.max'))).toBe('max');
    expect(read(at('a', 'pids.max'))).toBe('max');
  });

  it('reads stats from the v2 files: working set, OOM counters, io, PSI', async () => {
    await manager.create('/s');
    await fx.kernelWrite(
      at('s', 'cpu.stat'),
      'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\nthrottled_usec 700\n',
    );
    await fx.kernelWrite(at('s', 'memory.current'), String(100 * MI));
    await fx.kernelWrite(
      at('s', 'memory.stat'),
      `anon ${60 * MI}\nfile ${40 * MI}\ninactive_file ${30 * MI}\npgfault 42\npgmajfault 2\n`,
    );
    await fx.kernelWrite(at('s', 'memory.events'), 'low 0\nhigh 0\nmax 5\noom 2\noom_kill 1\n');
    await fx.kernelWrite(at('s', 'pids.current'), '7');
    await fx.kernelWrite(
      at('s', 'io.stat'),
      '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
    );
    await fx.kernelWrite(
      at('s', 'memory.pressure'),
      'some avg10=1.00 avg60=0.50 avg300=0.10 total=999\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=5\n',
    );
    const s = await manager.stats('/s');
    expect(s.cpu).toEqual({
      usageNanos: 1_500_000,
      userNanos: 1_000_000,
      systemNanos: 500_000,
      periods: 10,
      throttledPeriods: 3,
      throttledNanos: 700_000,
    });
    expect(s.memory).toEqual({
      usageBytes: 100 * MI,
      workingSetBytes: 70 * MI,
      rssBytes: 60 * MI,
      cacheBytes: 40 * MI,
      swapBytes: 0,
      limitBytes: -1,
      pageFaults: 42,
      majorPageFaults: 2,
      oomKills: 1,
      oomEvents: 2,
    });
    expect(s.pids).toEqual({ current: 7, limit: -1 });
    expect(s.io).toEqual({ readBytes: 4096, writeBytes: 8192, readOps: 1, writeOps: 2 });
    expect(s.pressure?.memory).toEqual({
      some: { avg10: 1, avg60: 0.5, avg300: 0.1, totalMicros: 999 },
      full: { avg10: 0, avg60: 0, avg300: 0, totalMicros: 5 },
    });
  });

  it('delivers OOM, high and max events from memory.events via inotify, and removal', async () => {
    await manager.create('/oom', { memory: { limit: 32 * MI } });
    const watcher = await manager.watchMemoryEvents('/oom');
    const events: MemoryEvent[] = [];
    watcher.on('event', (e: MemoryEvent) => events.push(e));
    await fx.kernelWrite(
      at('oom', 'memory.events'),
      'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n',
    );
    await expect.poll(() => events.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(events).toEqual([
      { type: 'oom', path: '/oom', oomKills: 1 },
      { type: 'max', path: '/oom', count: 3 },
    ]);
    await manager.delete('/oom');
    await expect.poll(() => watcher.closed, { timeout: 5000 }).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'removed', path: '/oom' });
    await expect(
      manager.create('/t').then(() => manager.watchMemoryEvents('/t', { thresholds: [MI] })),
    ).rejects.toBeInstanceOf(UnimplementedError);
  });

  it('freezes through cgroup.freeze and waits for cgroup.events frozen', async () => {
    await manager.create('/f');
    await manager.freeze('/f');
    expect(read(at('f', 'cgroup.freeze'))).toBe('1');
    expect(await manager.freezeState('/f')).toBe('frozen');
    await manager.thaw('/f');
    expect(await manager.freezeState('/f')).toBe('thawed');
  });

  it('refuses a memory limit below the working set and leaves every file as it was', async () => {
    await manager.create('/m', { memory: { limit: 512 * MI }, cpu: { shares: 512 } });
    await fx.kernelWrite(at('m', 'memory.current'), String(200 * MI));
    await fx.kernelWrite(
      at('m', 'memory.stat'),
      `anon ${150 * MI}\nfile ${50 * MI}\ninactive_file ${20 * MI}\n`,
    );
    const err = await manager
      .update('/m', { cpu: { shares: 2048 }, memory: { limit: 100 * MI } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect((err as Error).message).toMatch(/below its current working set 188743680/);
    expect(read(at('m', 'memory.max'))).toBe(String(512 * MI));
    expect(read(at('m', 'cpu.weight'))).toBe('20');
    // Above the working set (reclaimable cache only) is fine.
    await manager.update('/m', { memory: { limit: 190 * MI } });
    expect(read(at('m', 'memory.max'))).toBe(String(190 * MI));
  });

  it('rolls a failed update back: files written before the failing one are restored', async () => {
    await manager.create('/r', { cpu: { shares: 512 }, pids: { limit: 10 } });
    const err = await manager
      .update('/r', {
        cpu: { shares: 1024 },
        pids: { limit: 20 },
        hugepageLimits: [{ pageSize: '16GB', limit: 0 }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(read(at('r', 'cpu.weight'))).toBe('20');
    expect(read(at('r', 'pids.max'))).toBe('10');
  });

  it('fails on a missing controller before creating anything', async () => {
    const small = await Cgroup2Fixture.create(['cpu', 'memory']);
    try {
      const m = new CgroupV2Manager({ mountPoint: small.root, fs: small });
      const err = await m.create('/x/y', { pids: { limit: 5 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ControllerMissingError);
      expect((err as ControllerMissingError).controller).toBe('pids');
      expect(existsSync(join(small.root, 'x'))).toBe(false);
      expect(read(join(small.root, 'cgroup.subtree_control'))).toBe('');
    } finally {
      await small.dispose();
    }
  });

  it('delete waits on populated and fails with CgroupPopulatedError; killAll uses cgroup.kill', async () => {
    await manager.create('/p/c');
    await manager.addProcess('/p/c', 4242424);
    expect(read(at('p/c', 'cgroup.events'))).toContain('populated 1');
    expect(read(at('p', 'cgroup.events'))).toContain('populated 1');
    const err = await manager.delete('/p', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupPopulatedError);
    expect((err as CgroupPopulatedError).pids).toEqual([4242424]);
    expect(existsSync(at('p', 'c'))).toBe(true);
    await manager.destroy('/p'); // cgroup.kill empties it in the fixture
    expect(existsSync(at('p', ''))).toBe(false);
  });

  it('runs the pod hierarchy with the systemd driver', async () => {
    const pods = new PodCgroupHierarchy({ manager, driver: 'systemd', root: 'kubepods' });
    await pods.ensure({
      capacity: { cpu: '4', memory: '8Gi', pids: 10000 },
      systemReserved: { cpu: '500m', memory: '1Gi' },
    });
    expect(read(at('kubepods.slice', 'memory.max'))).toBe(String(7 * 1024 * MI));
    expect(read(at('kubepods.slice', 'cpu.weight'))).toBe(
      String(1 + Math.floor(((3584 - 2) * 9999) / 262142)),
    );
    expect(read(at('kubepods.slice', 'pids.max'))).toBe('10000');
    expect(read(at('kubepods.slice/kubepods-besteffort.slice', 'cpu.weight'))).toBe('1');
    const uid = '12345678-aaaa-bbbb-cccc-1234567890ab';
    const pod = await pods.createPod({
      uid,
      containers: [{ resources: { limits: { cpu: '1', memory: '512Mi' } } }],
    });
    expect(pod.qos).toBe('Guaranteed');
    expect(pod.path).toBe('/kubepods.slice/kubepods-pod12345678_aaaa_bbbb_cccc_1234567890ab.slice');
    expect(read(at(pod.path, 'cpu.max'))).toBe('100000 100000');
    expect(read(at(pod.path, 'memory.max'))).toBe(String(512 * MI));
    const be = await pods.createPod({ uid: 'b0b', containers: [{}] });
    expect(be.path).toBe(
      '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podb0b.slice',
    );
    expect((await pods.listPods()).map((p) => [p.uid, p.qos])).toEqual([
      [uid, 'Guaranteed'],
      ['b0b', 'BestEffort'],
    ]);
    await pods.deletePod(uid);
    expect(await pods.findPod(uid)).toBeUndefined();
    await pods.teardown();
    expect(existsSync(at('kubepods.slice', ''))).toBe(false);
  });
});
