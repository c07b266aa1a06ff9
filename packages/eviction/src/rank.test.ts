import { describe, expect, it } from 'vitest';
import type { PodUsage } from './observation.js';
import type { EvictablePod } from './pod.js';
import {
  diskStatsFor,
  indexPodUsage,
  rankDiskPressure,
  rankForSignal,
  rankMemoryPressure,
  rankPidPressure,
} from './rank.js';

const Mi = 2 ** 20;
const pod = (
  uid: string,
  memReq?: string,
  priority?: number,
  storageReq?: string,
): EvictablePod => {
  const requests: Record<string, string> = {};
  if (memReq) requests.memory = memReq;
  if (storageReq) requests['ephemeral-storage'] = storageReq;
  return {
    uid,
    containers: [{ name: 'c', resources: { requests } }],
    ...(priority !== undefined ? { priority } : {}),
  };
};
const uids = (pods: EvictablePod[]) => pods.map((p) => p.uid);

describe('rankMemoryPressure', () => {
  it('puts pods over their request first, then lower priority, then most usage above request', () => {
    const pods = [
      pod('under-low-prio', '500Mi', -10), // uses 100Mi of 500Mi
      pod('over-high-prio', '100Mi', 1000), // uses 400Mi: 300 over
      pod('over-small', '100Mi'), // uses 150Mi: 50 over
      pod('over-big', '100Mi'), // uses 300Mi: 200 over
      pod('besteffort'), // uses 50Mi, request 0: 50 over
    ];
    const usage = indexPodUsage([
      { uid: 'under-low-prio', memoryWorkingSetBytes: 100 * Mi },
      { uid: 'over-high-prio', memoryWorkingSetBytes: 400 * Mi },
      { uid: 'over-small', memoryWorkingSetBytes: 150 * Mi },
      { uid: 'over-big', memoryWorkingSetBytes: 300 * Mi },
      { uid: 'besteffort', memoryWorkingSetBytes: 50 * Mi },
    ]);
    expect(uids(rankMemoryPressure(pods, usage))).toEqual([
      'over-big',
      'over-small',
      'besteffort',
      'over-high-prio',
      'under-low-prio',
    ]);
  });

  it('ranks a pod without stats first (the kubelet cannot measure it)', () => {
    const pods = [pod('a', '1Mi'), pod('unmeasured', '1Gi')];
    const usage = indexPodUsage([{ uid: 'a', memoryWorkingSetBytes: 500 * Mi }]);
    expect(uids(rankMemoryPressure(pods, usage))).toEqual(['unmeasured', 'a']);
  });

  it('uses limits as requests when requests are missing (API defaulting)', () => {
    const guaranteed: EvictablePod = {
      uid: 'g',
      containers: [{ resources: { limits: { memory: '200Mi', cpu: '1' } } }],
    };
    const usage = indexPodUsage([
      { uid: 'g', memoryWorkingSetBytes: 150 * Mi },
      { uid: 'b', memoryWorkingSetBytes: 20 * Mi },
    ]);
    expect(uids(rankMemoryPressure([guaranteed, pod('b')], usage))).toEqual(['b', 'g']);
  });
});

describe('rankDiskPressure', () => {
  const usage: PodUsage[] = [
    {
      uid: 'writer',
      rootfs: { bytes: 1 * Mi, inodes: 10 },
      logs: { bytes: 1 * Mi, inodes: 1 },
      volumes: { bytes: 8 * Mi, inodes: 5 },
    },
    {
      uid: 'logger',
      rootfs: { bytes: 0, inodes: 0 },
      logs: { bytes: 6 * Mi, inodes: 900 },
      volumes: { bytes: 0, inodes: 0 },
    },
    {
      uid: 'layered',
      rootfs: { bytes: 7 * Mi, inodes: 3 },
      logs: { bytes: 0, inodes: 0 },
      volumes: { bytes: 0, inodes: 0 },
    },
  ];
  const pods = [pod('layered'), pod('logger'), pod('writer')];

  it('ranks by all local storage on one shared disk', () => {
    const stats = diskStatsFor('nodefs.available', false);
    expect(stats).toEqual(['rootfs', 'logs', 'volumes']);
    expect(uids(rankDiskPressure(pods, indexPodUsage(usage), stats, 'ephemeral-storage'))).toEqual([
      'writer',
      'layered',
      'logger',
    ]);
    expect(uids(rankDiskPressure(pods, indexPodUsage(usage), stats, 'inodes'))).toEqual([
      'logger',
      'writer',
      'layered',
    ]);
  });

  it('with a dedicated imagefs: nodefs counts logs and volumes, imagefs the writable layers', () => {
    const idx = indexPodUsage(usage);
    expect(uids(rankForSignal('nodefs.available', pods, idx, true))).toEqual([
      'writer',
      'logger',
      'layered',
    ]);
    expect(uids(rankForSignal('imagefs.available', pods, idx, true))).toEqual([
      'layered',
      'writer',
      'logger',
    ]);
  });

  it('puts pods within their ephemeral-storage request after those over it, whatever their usage', () => {
    const reqPods = [pod('writer', undefined, 0, '20Mi'), pod('logger'), pod('layered')];
    const stats = diskStatsFor('nodefs.available', false);
    expect(
      uids(rankDiskPressure(reqPods, indexPodUsage(usage), stats, 'ephemeral-storage')),
    ).toEqual(['layered', 'logger', 'writer']);
  });

  it('uses priority before usage', () => {
    const prio = [
      pod('writer', undefined, 100),
      pod('logger', undefined, 5),
      pod('layered', undefined, 5),
    ];
    expect(
      uids(
        rankDiskPressure(
          prio,
          indexPodUsage(usage),
          diskStatsFor('nodefs.available', false),
          'ephemeral-storage',
        ),
      ),
    ).toEqual(['layered', 'logger', 'writer']);
  });
});

describe('rankPidPressure', () => {
  it('ranks by priority, then by the most tasks', () => {
    const pods = [pod('few'), pod('many'), pod('many-important', undefined, 10)];
    const usage = indexPodUsage([
      { uid: 'few', processes: 3 },
      { uid: 'many', processes: 300 },
      { uid: 'many-important', processes: 3000 },
    ]);
    expect(uids(rankPidPressure(pods, usage))).toEqual(['many', 'few', 'many-important']);
  });
});
