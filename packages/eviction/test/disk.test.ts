import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createCgroupStatsProvider,
  type EvictablePod,
  type EvictionEvent,
  EvictionManager,
  type NodeConditionChange,
  parseEvictionSettings,
} from '../src/index.js';
import { findCgroups, findMounts, isRoot, killStarted, track, uniqueName } from './helpers.js';

// A real 16 MiB tmpfs as nodefs: pods write into their emptyDir volumes on it, an unused
// image and a dead container sit beside them. Filling it crosses nodefs.available; reclaim
// (deleting the image and the container) runs first and is not enough, so the pod writing
// the most is evicted; DiskPressure is set and clears after a short transition period.

const Mi = 2 ** 20;

describe.skipIf(!isRoot)('disk pressure on a real tmpfs nodefs', () => {
  const cgroups = createCgroupManager();
  const name = uniqueName('disk');
  const node = `/${name}`;
  const mnt = join(tmpdir(), name);
  const hierarchy = new PodCgroupHierarchy({ manager: cgroups, root: 'kubepods', parent: node });

  afterAll(async () => {
    await killStarted();
    await cgroups.destroy(node);
    if (findMounts(name).length > 0) execFileSync('umount', [mnt]);
    if (existsSync(mnt)) rmdirSync(mnt);
    expect(findCgroups(name)).toEqual([]);
    expect(findMounts(name)).toEqual([]);
  });

  /** A writer in the pod's cgroup: `initialMiB` at once, then on `grow()` 1 MiB per 100 ms. */
  async function writer(podPath: string, file: string, initialMiB: number, growMiB: number) {
    const script = [
      'read start',
      `dd if=/dev/zero of="${file}" bs=1M count=${initialMiB} status=none`,
      'echo ready',
      'read grow',
      `i=0; while [ $i -lt ${growMiB} ]; do dd if=/dev/zero of="${file}" bs=1M count=1 oflag=append conv=notrunc status=none; sleep 0.1; i=$((i+1)); done`,
      'exec sleep 3600',
    ].join('\n');
    const child = track(spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
    await cgroups.addProcess(podPath, child.pid!);
    const ready = new Promise((r) => child.stdout.once('data', r));
    child.stdin.write('start\n');
    await ready;
    return { child, grow: () => child.stdin.write('grow\n') };
  }

  it('reclaims first, then evicts the biggest writer; DiskPressure clears after the transition period', async () => {
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', `capstan-${name}`, mnt]);
    await cgroups.create(node);
    await hierarchy.ensure();
    const image = join(mnt, 'images', 'unused-image');
    const deadContainer = join(mnt, 'containers', 'dead');
    mkdirSync(join(mnt, 'images'));
    mkdirSync(deadContainer, { recursive: true });
    writeFileSync(image, Buffer.alloc(Mi, 1));
    writeFileSync(join(deadContainer, 'rootfs.img'), Buffer.alloc(Mi, 1));

    const volume = (uid: string) => join(mnt, 'pods', uid, 'volumes', 'scratch');
    const mk = async (uid: string): Promise<EvictablePod> => {
      const p = await hierarchy.createPod({ uid, containers: [{ name: 'w' }] });
      mkdirSync(volume(uid), { recursive: true });
      return { uid, name: uid.split('-')[0]!, containers: [{ name: 'w' }], cgroupPath: p.path };
    };
    const big = await mk('big-0000-4000-8000-000000000001');
    const small = await mk('small-0000-4000-8000-000000000002');
    let pods = [small, big];
    const smallWriter = await writer(small.cgroupPath!, join(volume(small.uid), 'f'), 2, 0);
    const bigWriter = await writer(big.cgroupPath!, join(volume(big.uid), 'f'), 6, 6);

    const log: string[] = [];
    const conditions: NodeConditionChange[] = [];
    const decisions: EvictionEvent[] = [];
    const manager = new EvictionManager({
      ...parseEvictionSettings({
        hard: 'nodefs.available<4Mi',
        minimumReclaim: 'nodefs.available=2Mi',
        pressureTransitionPeriod: '1500ms',
      }),
      statsProvider: createCgroupStatsProvider({
        manager: cgroups,
        nodeCgroup: node,
        podsCgroup: hierarchy.rootPath,
        nodefsPath: mnt,
        podStorage: (pod) => ({ volumes: [join(mnt, 'pods', pod.uid, 'volumes')] }),
      }),
      podProvider: () => pods,
      evictPod: async (pod) => {
        log.push(`evict ${pod.name}`);
        await cgroups.killAll(pod.cgroupPath!);
        rmSync(join(mnt, 'pods', pod.uid), { recursive: true, force: true });
        pods = pods.filter((p) => p.uid !== pod.uid);
      },
      reclaim: {
        deleteUnusedContainers: () => {
          log.push('delete dead containers');
          rmSync(deadContainer, { recursive: true });
        },
        deleteUnusedImages: () => {
          log.push('delete unused images');
          rmSync(image);
        },
      },
      sweepIntervalMs: 100,
    });
    manager.on('condition', (c) => {
      conditions.push(c);
      log.push(`DiskPressure=${c.status}`);
    });
    manager.on('reclaim', (r) => log.push(`reclaim resolved=${r.resolved}`));
    manager.on('decision', (e) => decisions.push(e));
    await manager.start();
    try {
      expect(manager.conditions).toEqual([]); // 10 MiB used, 6 MiB available
      bigWriter.grow();
      await expect.poll(() => conditions.length, { timeout: 10_000, interval: 50 }).toBe(2);
      expect(log).toEqual([
        'DiskPressure=true',
        'delete dead containers',
        'delete unused images',
        'reclaim resolved=false',
        'evict big',
        'DiskPressure=false',
      ]);
      const d = decisions[0]!.decision;
      expect(decisions).toHaveLength(1);
      expect(d.pod.uid).toBe(big.uid);
      expect(d.signal).toBe('nodefs.available');
      expect(d.resource).toBe('ephemeral-storage');
      expect(d.ranking).toEqual([big.uid, small.uid]);
      expect(d.message).toMatch(
        /^The node was low on resource: ephemeral-storage\. Threshold quantity: 4Mi, available: \d+/,
      );
      // Cleared no sooner than one transition period after it was set.
      const [on, off] = conditions;
      expect(off!.at - on!.at).toBeGreaterThanOrEqual(1500);
      expect(existsSync(image)).toBe(false);
      expect(bigWriter.child.signalCode).toBe('SIGKILL');
      expect(smallWriter.child.exitCode).toBeNull();
      expect(smallWriter.child.signalCode).toBeNull();
    } finally {
      await manager.stop();
    }
  });
});
