import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCgroupManager, PodCgroupHierarchy } from '@capstan/cgroups';
import { afterAll, expect, it } from 'vitest';
import { sweepPodLeftovers } from './pod-cleanup.js';
import { LABEL_MANAGED, LABEL_POD_UID } from './pod-naming.js';

// What deleted pods leave behind, swept: real files and real pod cgroups (as root); the
// runtime is a listPodSandbox answer (pure logic: which UIDs are still the runtime's).

const dir = mkdtempSync(join(tmpdir(), 'pod-cleanup-'));
const manager = createCgroupManager();
const root = `capstan-test-cleanup-${process.pid}`;
const hierarchy = new PodCgroupHierarchy({ manager, root });
afterAll(async () => {
  await hierarchy.teardown({ timeoutMs: 5000 }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const UID = {
  known: '11111111-1111-1111-1111-111111111111',
  inRuntime: '22222222-2222-2222-2222-222222222222',
  gone: '33333333-3333-3333-3333-333333333333',
};

it('removes the log dir, volume dir and pod cgroup of a pod neither the agent nor the runtime has', async () => {
  const logRoot = join(dir, 'logs');
  const podsDir = join(dir, 'pods');
  await hierarchy.ensure();
  for (const uid of Object.values(UID)) {
    mkdirSync(join(logRoot, `default_web-${uid.slice(0, 4)}_${uid}`, 'c'), { recursive: true });
    writeFileSync(join(logRoot, `default_web-${uid.slice(0, 4)}_${uid}`, 'c', '0.log'), 'x\n');
    mkdirSync(join(podsDir, uid, 'volumes'), { recursive: true });
    await hierarchy.createPod({ uid, containers: [] });
  }
  // Not a pod log dir: left alone.
  mkdirSync(join(logRoot, 'lost+found'));
  const swept = await sweepPodLeftovers({
    known: (uid) => uid === UID.known,
    runtime: {
      listPodSandbox: async (req) => {
        expect(req?.filter?.labelSelector).toEqual({ [LABEL_MANAGED]: 'node-a' });
        return { items: [{ labels: { [LABEL_POD_UID]: UID.inRuntime } }] } as never;
      },
    },
    agentId: 'node-a',
    logRoot,
    volumes: { podsDir },
    hierarchy,
    logger: { info() {}, warn() {} },
  });
  expect(swept).toEqual([UID.gone]);
  expect(existsSync(join(logRoot, `default_web-3333_${UID.gone}`))).toBe(false);
  expect(existsSync(join(podsDir, UID.gone))).toBe(false);
  expect(await hierarchy.findPod(UID.gone)).toBeUndefined();
  for (const uid of [UID.known, UID.inRuntime]) {
    expect(existsSync(join(logRoot, `default_web-${uid.slice(0, 4)}_${uid}`))).toBe(true);
    expect(existsSync(join(podsDir, uid))).toBe(true);
    expect(await hierarchy.findPod(uid)).toBeDefined();
  }
  expect(existsSync(join(logRoot, 'lost+found'))).toBe(true);
});

it('does nothing when the runtime cannot be listed (it throws, nothing is removed)', async () => {
  const logRoot = join(dir, 'logs2');
  mkdirSync(join(logRoot, `default_x_${UID.gone}`), { recursive: true });
  await expect(
    sweepPodLeftovers({
      known: () => false,
      runtime: { listPodSandbox: async () => Promise.reject(new Error('runtime down')) },
      agentId: 'node-a',
      logRoot,
      volumes: { podsDir: join(dir, 'none') },
      logger: { info() {}, warn() {} },
    }),
  ).rejects.toThrow('runtime down');
  expect(existsSync(join(logRoot, `default_x_${UID.gone}`))).toBe(true);
});
