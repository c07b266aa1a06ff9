import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PidObservation } from './observation.js';

/** `MemTotal` of `/proc/meminfo`, in bytes. */
export async function readMemTotal(procRoot = '/proc'): Promise<number> {
  const text = await readFile(join(procRoot, 'meminfo'), 'utf8');
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  if (!m?.[1]) throw new Error(`no MemTotal line in ${join(procRoot, 'meminfo')}`);
  return Number(m[1]) * 1024;
}

/**
 * The node's pid signal inputs as the kubelet reads them (pkg/kubelet/stats/pidlimit): the
 * smaller of `kernel.pid_max` and `kernel.threads-max`, and the number of tasks from the
 * fourth field of `/proc/loadavg` (`running/total`, the total).
 */
export async function readPidObservation(procRoot = '/proc'): Promise<PidObservation> {
  const num = async (file: string) => Number((await readFile(join(procRoot, file), 'utf8')).trim());
  const [pidMax, threadsMax, loadavg] = await Promise.all([
    num('sys/kernel/pid_max'),
    num('sys/kernel/threads-max'),
    readFile(join(procRoot, 'loadavg'), 'utf8'),
  ]);
  const tasks = Number(loadavg.trim().split(/\s+/)[3]?.split('/')[1]);
  if (!Number.isFinite(tasks)) throw new Error(`cannot parse ${join(procRoot, 'loadavg')}`);
  return { maxPids: Math.min(pidMax, threadsMax), running: tasks, time: Date.now() };
}
