import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { findProcessesUnder, isAlive, mountsUnder, type ProcInfo } from '../src/index.js';

/** Where containerd 1.6 puts a shim's socket (hard-coded under /run/containerd/s). */
export function shimSocket(shim: ProcInfo): string {
  const flag = (name: string): string => shim.cmdline[shim.cmdline.indexOf(name) + 1] ?? '';
  const hash = createHash('sha256')
    .update(join(flag('-address'), flag('-namespace'), flag('-id')))
    .digest('hex');
  return `/run/containerd/s/${hash}`;
}

/** Asserts that nothing of a private daemon dir survived its stop(). */
export function expectNothingLeft(
  dir: string,
  pids: readonly number[],
  sockets: readonly string[],
): void {
  expect(pids.filter(isAlive), 'processes still alive').toEqual([]);
  expect(
    findProcessesUnder(dir).map((p) => `${p.pid} ${p.cmdline.join(' ')}`),
    'processes referencing the dir',
  ).toEqual([]);
  expect(
    mountsUnder(dir).map((m) => m.mountPoint),
    'mounts under the dir',
  ).toEqual([]);
  expect(existsSync(dir), `${dir} still exists`).toBe(false);
  expect(sockets.filter(existsSync), 'shim sockets left').toEqual([]);
}
