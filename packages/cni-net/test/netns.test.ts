import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  isNetns,
  NetnsExistsError,
  NetnsManager,
  type NetworkNamespace,
} from '../src/index.js';
import { NS_PREFIX } from './helpers/node-env.js';

const run = promisify(execFile);
const id = randomBytes(4).toString('hex');
const made: NetworkNamespace[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const ns of made.splice(0)) await ns.delete();
  for (const dir of dirs.splice(0)) {
    // The manager bind-mounted the directory onto itself (as `ip netns add` does).
    while ((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${dir} `)) {
      await run('umount', [dir]);
    }
    await rm(dir, { recursive: true, force: true });
  }
});

describe('NetnsManager in /var/run/netns', () => {
  const netns = new NetnsManager();

  it('creates a persistent namespace that ip netns sees and that can be entered', async () => {
    const ns = await netns.create(`${NS_PREFIX}t-${id}-a`);
    made.push(ns);
    expect(ns.path).toBe(`/var/run/netns/${NS_PREFIX}t-${id}-a`);
    expect(await isNetns(ns.path)).toBe(true);
    expect((await run('ip', ['netns', 'list'])).stdout).toContain(ns.name);
    const { stdout } = await run('ip', ['netns', 'exec', ns.name, 'ip', '-o', 'link', 'show']);
    expect(stdout).toMatch(/^1: lo:/);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect((await netns.get(ns.name))?.path).toBe(ns.path);
    expect((await netns.list()).map((n) => n.name)).toContain(ns.name);
  });

  it('refuses to create the same name twice and leaves the first intact', async () => {
    const ns = await netns.create(`${NS_PREFIX}t-${id}-b`);
    made.push(ns);
    await expect(netns.create(ns.name)).rejects.toBeInstanceOf(NetnsExistsError);
    expect(await isNetns(ns.path)).toBe(true);
  });

  it('deletes (unmount + remove); deleting an absent one is fine', async () => {
    const ns = await netns.create(`${NS_PREFIX}t-${id}-c`);
    await ns.delete();
    expect(await netns.get(ns.name)).toBeUndefined();
    expect((await netns.list()).map((n) => n.name)).not.toContain(ns.name);
    await ns.delete();
    await netns.delete(`${NS_PREFIX}t-${id}-never`);
  });

  it('rejects names that are not plain file names', async () => {
    for (const bad of ['', '../x', 'a/b', '.hidden', 'x y']) {
      await expect(netns.create(bad)).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });
});

it('works in a configurable directory; a stray non-namespace file is not listed', async () => {
  const dir = await mkdtemp(join(tmpdir(), `${NS_PREFIX}netns-`));
  dirs.push(dir);
  const netns = new NetnsManager({ dir });
  const ns = await netns.create('pod-1');
  made.push(ns);
  await writeFile(join(dir, 'stray'), '');
  expect((await netns.list()).map((n) => n.name)).toEqual(['pod-1']);
  expect(await netns.get('stray')).toBeUndefined();
  const { stdout } = await run('nsenter', [`--net=${ns.path}`, 'ip', '-o', 'link', 'show']);
  expect(stdout).toMatch(/^1: lo:/);
  await netns.delete('pod-1');
  expect(await netns.list()).toEqual([]);
});
