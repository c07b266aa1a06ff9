import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  CgroupV1Manager,
  ControllerMissingError,
  detectCgroupMounts,
  FailedPreconditionError,
  InvalidArgumentError,
  type LinuxResources,
  NotFoundError,
  PodCgroupHierarchy,
} from '../src/index.js';
import {
  findCgroups,
  isRoot,
  killStarted,
  readTrim,
  spawnGatedAllocator,
  uniqueRoot,
} from './helpers.js';

// Bad input against the real v1 hierarchy: a typed error, and nothing created or changed.
const mounts = detectCgroupMounts();
const hasV1 = mounts.v1.has('memory') && mounts.v1.has('cpu');
const MI = 1024 ** 2;

describe.skipIf(!isRoot || !hasV1)('bad input (real cgroup v1)', () => {
  const root = uniqueRoot('bad');
  const manager = hasV1
    ? new CgroupV1Manager({ mounts })
    : (undefined as unknown as CgroupV1Manager);
  const memFile = (p: string, f: string) => join(mounts.v1.get('memory')?.mountPoint ?? '', p, f);
  const cpuFile = (p: string, f: string) => join(mounts.v1.get('cpu')?.mountPoint ?? '', p, f);
  const leftovers = () =>
    findCgroups('x', join(mounts.v1.get('memory')?.mountPoint ?? '', root), 2);

  beforeAll(() => manager.create(`/${root}`));
  afterEach(killStarted);
  afterAll(async () => {
    await killStarted();
    await manager.destroy(`/${root}`);
    expect(findCgroups(root)).toEqual([]);
  });

  const invalid: Array<[string, LinuxResources]> = [
    ['negative memory limit', { memory: { limit: -100 } }],
    ['negative cpu shares', { cpu: { shares: -1 } }],
    ['cpuset "1-"', { cpu: { cpus: '1-' } }],
    ['quota below 1 ms', { cpu: { quota: 10 } }],
    ['pids limit 0', { pids: { limit: 0 } }],
    ['swap below memory', { memory: { limit: 64 * MI, swap: 32 * MI } }],
  ];
  it.each(invalid)('create with %s: InvalidArgumentError, nothing created', async (_n, r) => {
    await expect(manager.create(`/${root}/x1/x2`, r)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(leftovers()).toEqual([]);
  });

  it('a kernel-rejected value (cpuset naming a CPU that does not exist) rolls the whole create back', async () => {
    const err = await manager
      .create(`/${root}/x1/x2`, { cpu: { shares: 512, cpus: '4000' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/cpuset.cpus/);
    expect(leftovers()).toEqual([]);
  });

  it('update with invalid values changes nothing', async () => {
    const p = `/${root}/xu`;
    await manager.create(p, { cpu: { shares: 512 }, memory: { limit: 64 * MI } });
    await expect(
      manager.update(p, { cpu: { shares: 1024 }, memory: { limit: -7 } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(manager.update(p, { cpu: { shares: 1024, cpus: '0-' } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(readTrim(cpuFile(p, 'cpu.shares'))).toBe('512');
    expect(readTrim(memFile(p, 'memory.limit_in_bytes'))).toBe(String(64 * MI));
    await manager.delete(p);
  });

  it('a memory limit below current usage: FailedPreconditionError, limit unchanged', async () => {
    const p = `/${root}/xmem`;
    await manager.create(p, { memory: { limit: 256 * MI } });
    const hog = spawnGatedAllocator(64);
    await manager.addProcess(p, hog.child.pid as number);
    hog.go();
    await expect
      .poll(async () => (await manager.stats(p)).memory?.rssBytes ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(60 * MI);
    const err = await manager
      .update(p, { cpu: { shares: 300 }, memory: { limit: 16 * MI } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect((err as Error).message).toMatch(/below its current working set/);
    expect(readTrim(memFile(p, 'memory.limit_in_bytes'))).toBe(String(256 * MI));
    expect(readTrim(cpuFile(p, 'cpu.shares'))).toBe('1024'); // the cpu write never happened
    await manager.destroy(p);
  });

  it('missing controllers: ControllerMissingError before anything is created', async () => {
    const noPids = new CgroupV1Manager({ mounts, controllers: ['cpu', 'cpuacct', 'memory'] });
    const err = await noPids
      .create(`/${root}/x1`, { pids: { limit: 10 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerMissingError);
    expect((err as ControllerMissingError).controller).toBe('pids');
    if (!mounts.v1.has('hugetlb')) {
      await expect(
        manager.create(`/${root}/x1`, { hugepageLimits: [{ pageSize: '2MB', limit: 0 }] }),
      ).rejects.toMatchObject({ controller: 'hugetlb' });
    }
    await expect(noPids.freeze(`/${root}`)).rejects.toMatchObject({ controller: 'freezer' });
    expect(leftovers()).toEqual([]);
  });

  it.each(['/a/../b', '../etc', `/${'x'.repeat(300)}`, '/a//b', '/'])(
    'path %j: InvalidArgumentError',
    async (p) => {
      await expect(manager.create(p)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(manager.delete(p)).rejects.toBeInstanceOf(InvalidArgumentError);
    },
  );

  it('pod uids and hierarchy roots with "/" or ".." are refused before anything is created', async () => {
    const pods = new PodCgroupHierarchy({ manager, root: 'xpods', parent: `/${root}` });
    await expect(pods.createPod({ uid: '../escape', containers: [] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(pods.createPod({ uid: 'a/b', containers: [] })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      pods.createPod({ uid: 'ok', containers: [{ resources: { limits: { cpu: 'much' } } }] }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => new PodCgroupHierarchy({ manager, root: '../kubepods' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new PodCgroupHierarchy({ manager, root: 'a/b' })).toThrow(InvalidArgumentError);
    expect(leftovers()).toEqual([]);
  });

  it('other typed errors: exists, not found, bad pid', async () => {
    await expect(manager.create(`/${root}`)).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(manager.update(`/${root}/xnope`, { cpu: { shares: 2 } })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(manager.delete(`/${root}/xnope`)).rejects.toBeInstanceOf(NotFoundError);
    await expect(manager.addProcess(`/${root}`, -1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(manager.addProcess(`/${root}`, 2 ** 22 + 12345)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(manager.destroy(`/${root}/xnope`)).resolves.toBeUndefined();
  });
});
