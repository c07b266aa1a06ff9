import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CacheError } from './errors.js';
import { type CachedAttachment, ResultCache } from './result-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cninet-cache-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const entry = (containerId: string, addedAt: number): CachedAttachment => ({
  network: 'kubenet',
  containerId,
  ifName: 'eth0',
  netns: '/var/run/netns/x',
  cniArgs: [['K8S_POD_NAME', 'p']],
  capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080 }] },
  config: '{"cniVersion":"1.0.0","name":"kubenet","plugins":[{"type":"bridge"}]}',
  cniVersion: '1.0.0',
  result: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] },
  addedAt,
});

it("writes libcni's cniCacheV1 format under results/<network>-<container>-<ifname>", async () => {
  const cache = new ResultCache(dir);
  await cache.write(entry('abc', 1));
  expect(await readdir(join(dir, 'results'))).toEqual(['kubenet-abc-eth0']);
  const doc = JSON.parse(await readFile(join(dir, 'results', 'kubenet-abc-eth0'), 'utf8'));
  expect(doc).toMatchObject({
    kind: 'cniCacheV1',
    containerId: 'abc',
    ifName: 'eth0',
    networkName: 'kubenet',
  });
  expect(Buffer.from(doc.config, 'base64').toString()).toBe(entry('abc', 1).config);
  expect(await cache.read({ network: 'kubenet', containerId: 'abc', ifName: 'eth0' })).toEqual(
    entry('abc', 1),
  );
});

it('lists oldest first, filters by container, reports unreadable records, and removes', async () => {
  const cache = new ResultCache(dir);
  await cache.write(entry('b', 2));
  await cache.write(entry('a', 1));
  await writeFile(join(dir, 'results', 'kubenet-bad-eth0'), '{torn');
  await writeFile(join(dir, 'results', '.kubenet-c-eth0.123.tmp'), 'half');
  const { attachments, errors } = await cache.list();
  expect(attachments.map((a) => a.containerId)).toEqual(['a', 'b']);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(CacheError);
  expect((await cache.list('b')).attachments.map((a) => a.containerId)).toEqual(['b']);
  await expect(
    cache.read({ network: 'kubenet', containerId: 'bad', ifName: 'eth0' }),
  ).rejects.toBeInstanceOf(CacheError);
  await cache.remove(entry('a', 1));
  await cache.remove(entry('a', 1));
  expect((await cache.list()).attachments.map((a) => a.containerId)).toEqual(['b']);
});

it('reads a record libcni wrote (no cniVersion or addedAt fields)', async () => {
  const cache = new ResultCache(dir);
  await cache.write(entry('x', 5));
  const file = join(dir, 'results', 'kubenet-x-eth0');
  const doc = JSON.parse(await readFile(file, 'utf8'));
  delete doc.cniVersion;
  delete doc.addedAt;
  await writeFile(file, JSON.stringify(doc));
  expect(await cache.read({ network: 'kubenet', containerId: 'x', ifName: 'eth0' })).toMatchObject({
    cniVersion: '1.0.0',
    addedAt: 0,
  });
});

it("removes temp files left by a writer that died mid-write, and keeps a live writer's", async () => {
  const { spawnSync } = await import('node:child_process');
  const dead = spawnSync('true').pid!; // exited and reaped: its PID names no process now
  const results = join(dir, 'results');
  await mkdir(results, { recursive: true });
  const orphan = join(results, `.kubenet-abc-eth0.${dead}.0a0b0c0d.tmp`);
  const live = join(results, `.kubenet-def-eth0.${process.pid}.01020304.tmp`);
  await writeFile(orphan, '{"partial');
  await writeFile(live, '{"partial');
  const cache = new ResultCache(dir);
  const listing = await cache.list();
  expect(listing.attachments).toEqual([]);
  expect(listing.errors).toEqual([]);
  expect(await readdir(results)).toEqual([live.slice(results.length + 1)]);
});
