import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMemTotal, readPidObservation } from './proc-stats.js';

describe('procfs readings', () => {
  const proc = mkdtempSync(join(tmpdir(), 'capstan-evict-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));

  it('takes the smaller of pid_max and threads-max, and the task count from loadavg', async () => {
    mkdirSync(join(proc, 'sys/kernel'), { recursive: true });
    writeFileSync(join(proc, 'sys/kernel/pid_max'), '4194304\n');
    writeFileSync(join(proc, 'sys/kernel/threads-max'), '192730\n');
    writeFileSync(join(proc, 'loadavg'), '1.36 3.49 4.53 2/3518 3715089\n');
    writeFileSync(join(proc, 'meminfo'), 'MemTotal:       24684092 kB\nMemFree:  1 kB\n');
    expect(await readPidObservation(proc)).toMatchObject({ maxPids: 192730, running: 3518 });
    expect(await readMemTotal(proc)).toBe(24684092 * 1024);
  });

  it('reads this machine', async () => {
    const p = await readPidObservation();
    expect(p.running).toBeGreaterThan(0);
    expect(p.maxPids).toBeGreaterThan(p.running);
    expect(await readMemTotal()).toBeGreaterThan(0);
  });
});
