import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnDaemon } from '../src/daemon-process.js';
import { findProcessesUnder, isAlive, mountsUnder } from '../src/index.js';
import { teardownTree } from '../src/teardown-tree.js';

const FREEZER = '/sys/fs/cgroup/freezer';

describe('teardownTree', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0).reverse()) fn();
  });

  it('kills frozen and orphaned processes, a daemon ignoring SIGTERM, unmounts nested mounts and removes the dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-teardown-'));
    const m1 = join(dir, 'm1');
    const m2 = join(m1, 'm2');
    const bind = join(dir, 'bind');
    mkdirSync(m1);
    mkdirSync(bind);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', m1]);
    mkdirSync(m2);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', m2]);
    execFileSync('mount', ['--bind', m2, bind]);
    cleanup.push(() => {
      for (const m of mountsUnder(dir).reverse()) execFileSync('umount', ['-l', m.mountPoint]);
      rmSync(dir, { recursive: true, force: true });
    });
    expect(mountsUnder(dir)).toHaveLength(3);

    // An orphan whose only tie to the dir is its working directory, in a frozen cgroup.
    const orphan = spawn('sleep', ['1000'], { cwd: m2, detached: true, stdio: 'ignore' });
    orphan.unref();
    const orphanPid = orphan.pid ?? -1;
    const cg = join(FREEZER, `capstan-teardown-${process.pid}`);
    mkdirSync(cg);
    cleanup.push(() => {
      if (!existsSync(cg)) return;
      writeFileSync(join(cg, 'freezer.state'), 'THAWED');
      for (const pid of readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n')) {
        if (pid !== '') process.kill(Number(pid), 'SIGKILL');
      }
      execFileSync('sleep', ['0.2']);
      rmdirSync(cg);
    });
    writeFileSync(join(cg, 'cgroup.procs'), String(orphanPid));
    writeFileSync(join(cg, 'freezer.state'), 'FROZEN');
    for (
      let i = 0;
      i < 100 && readFileSync(join(cg, 'freezer.state'), 'utf8').trim() !== 'FROZEN';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(readFileSync(join(cg, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');

    // A "daemon" that ignores SIGTERM (the ignored disposition survives exec).
    const daemon = spawnDaemon({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', "trap '' TERM; exec sleep 1000"],
      logFile: join(dir, 'stubborn.log'),
      cwd: dir,
    });
    await new Promise((r) => setTimeout(r, 100));
    const found = findProcessesUnder(dir).map((p) => p.pid);
    expect(found).toEqual(expect.arrayContaining([orphanPid, daemon.pid]));

    const logs: string[] = [];
    await teardownTree({ dir, daemons: [daemon], log: (m) => logs.push(m), graceMs: 300 });

    expect(isAlive(orphanPid)).toBe(false);
    expect(isAlive(daemon.pid)).toBe(false);
    expect((await daemon.exited).signal).toBe('SIGKILL');
    expect(mountsUnder(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(cg), 'the frozen leaf cgroup is removed').toBe(false);
    expect(logs.join('\n')).toContain('killing 1 container process');
  });
});
