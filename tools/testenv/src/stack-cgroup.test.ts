import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inCgroup } from './daemon-process.js';
import { cgroupProcs, createStackCgroup, stackCgroupHierarchy } from './stack-cgroup.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stack-cgroup-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('stackCgroupHierarchy', () => {
  it('prefers a unified root, then v1 pids, then the hybrid cgroup2 mount', () => {
    const unified = tmp();
    writeFileSync(join(unified, 'cgroup.controllers'), '');
    expect(stackCgroupHierarchy(unified)).toBe(unified);
    const hybrid = tmp();
    for (const h of ['memory', 'pids', 'unified']) {
      mkdirSync(join(hybrid, h));
      writeFileSync(join(hybrid, h, 'cgroup.procs'), '');
    }
    expect(stackCgroupHierarchy(hybrid)).toBe(join(hybrid, 'pids'));
    rmSync(join(hybrid, 'pids'), { recursive: true });
    expect(stackCgroupHierarchy(hybrid)).toBe(join(hybrid, 'unified'));
    expect(() => stackCgroupHierarchy(tmp())).toThrow(/no cgroup hierarchy/);
  });
});

describe('createStackCgroup', () => {
  it('makes /<parent>/<name>-<hex>, lists its procs, and removes it and the empty parent', async () => {
    const h = tmp();
    const cg = createStackCgroup('containerd', { hierarchy: h });
    expect(cg.path).toMatch(/^\/capstan-bench\/containerd-[0-9a-f]{8}$/);
    expect(cg.dir).toBe(join(h, cg.path));
    expect(cg.pids()).toEqual([]);
    writeFileSync(join(cg.dir, 'cgroup.procs'), '12\n34\n');
    expect(cgroupProcs(cg.dir)).toEqual([12, 34]);
    await expect(cg.remove(200)).rejects.toThrow(/still holds 12 .*, 34/);
    rmSync(join(cg.dir, 'cgroup.procs'));
    mkdirSync(join(cg.dir, 'nested'));
    await cg.remove();
    expect(existsSync(cg.dir)).toBe(false);
    expect(existsSync(join(h, 'capstan-bench'))).toBe(false);
  });
  it('keeps a parent another stack still uses', async () => {
    const h = tmp();
    const a = createStackCgroup('a', { hierarchy: h });
    const b = createStackCgroup('b', { hierarchy: h });
    await a.remove();
    expect(existsSync(join(h, 'capstan-bench'))).toBe(true);
    await b.remove();
    expect(existsSync(join(h, 'capstan-bench'))).toBe(false);
  });
  it('refuses a name with a slash', () => {
    expect(() => createStackCgroup('../x', { hierarchy: tmp() })).toThrow(/bad stack cgroup/);
  });
});

describe('inCgroup', () => {
  it('joins the cgroup from a shell that then execs the daemon in place', () => {
    expect(inCgroup('/sys/fs/cgroup/pids/x', 'containerd', ['--config', 'c.toml'])).toEqual({
      command: '/bin/sh',
      args: [
        '-c',
        'echo $$ > "$0/cgroup.procs" && exec "$@"',
        '/sys/fs/cgroup/pids/x',
        'containerd',
        '--config',
        'c.toml',
      ],
    });
  });
});
