/**
 * Read full stats for 250 pod cgroups (the kubelet density goal) and compare with reading
 * the same kernel files from a shell. Run: `pnpm --filter @capstan/cgroups bench`.
 * Needs root; creates `capstan-bench-<pid>-<rand>` and removes it (and its processes) at
 * the end, also on failure.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CgroupFileSystem,
  type CgroupManager,
  createCgroupManager,
  detectCgroupMounts,
  nodeCgroupFs,
  PodCgroupHierarchy,
} from '../src/index.js';

const PODS = 250;
const SWEEPS = 20;
const root = `capstan-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
const mounts = detectCgroupMounts();
const scratch = join(tmpdir(), root);

/** The files a stats() call reads, per backend, for the shell floor. */
function statFiles(manager: CgroupManager, path: string): string[] {
  if (manager.version === 2) {
    const d = manager.directory(path);
    return [
      'cgroup.controllers',
      'cpu.stat',
      'memory.current',
      'memory.stat',
      'memory.events',
      'memory.max',
      'memory.swap.current',
      'pids.current',
      'pids.max',
      'io.stat',
      'cpu.pressure',
      'memory.pressure',
      'io.pressure',
    ].map((f) => join(d, f));
  }
  const files: Array<[string, string]> = [
    ['cpuacct', 'cpuacct.usage'],
    ['cpuacct', 'cpuacct.usage_user'],
    ['cpuacct', 'cpuacct.usage_sys'],
    ['cpuacct', 'cpuacct.stat'],
    ['cpu', 'cpu.stat'],
    ['memory', 'memory.usage_in_bytes'],
    ['memory', 'memory.stat'],
    ['memory', 'memory.oom_control'],
    ['memory', 'memory.limit_in_bytes'],
    ['pids', 'pids.current'],
    ['pids', 'pids.max'],
    ['blkio', 'blkio.throttle.io_service_bytes_recursive'],
    ['blkio', 'blkio.throttle.io_serviced_recursive'],
  ];
  return files
    .filter(([c]) => mounts.v1.has(c))
    .map(([c, f]) => join(manager.directory(path, c), f));
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timeSweeps(
  label: string,
  sweep: () => Promise<unknown>,
  n = SWEEPS,
): Promise<number> {
  for (let i = 0; i < 3; i++) await sweep(); // warm up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await sweep();
    times.push(ms(process.hrtime.bigint() - t0));
  }
  const m = median(times);
  process.stdout.write(
    `${label.padEnd(58)} ${m.toFixed(2).padStart(8)} ms/sweep ${((m * 1000) / PODS).toFixed(1).padStart(8)} us/cgroup\n`,
  );
  return m;
}

async function main(): Promise<void> {
  const manager = createCgroupManager({ mounts });
  const threadpoolFs: CgroupFileSystem = {
    ...nodeCgroupFs,
    readFile: (p) => fsp.readFile(p, 'utf8'),
  };
  const viaThreadpool = createCgroupManager({ mounts, fs: threadpoolFs });
  const pods = new PodCgroupHierarchy({ manager, root });
  const children: ChildProcess[] = [];
  try {
    await pods.ensure();
    const paths: string[] = [];
    for (let i = 0; i < PODS; i++) {
      const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const pod = await pods.createPod({
        uid,
        containers: [
          {
            resources: {
              requests: { cpu: '10m', memory: '16Mi' },
              limits: { cpu: '100m', memory: '64Mi' },
            },
          },
        ],
      });
      const child = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
      children.push(child);
      await manager.addProcess(pod.path, child.pid as number);
      paths.push(pod.path);
    }
    const files = paths.map((p) => statFiles(manager, p));
    const nFiles = files.reduce((n, f) => n + f.length, 0);
    process.stdout.write(
      `cgroup v${manager.version} (${mounts.mode}), ${PODS} pod cgroups with one process each, ${nFiles / PODS} files per cgroup, median of ${SWEEPS} sweeps\n\n`,
    );

    await timeSweeps('stats(), one cgroup after another', async () => {
      for (const p of paths) await manager.stats(p);
    });
    await timeSweeps('stats(), all 250 at once (Promise.all)', () =>
      Promise.all(paths.map((p) => manager.stats(p))),
    );
    await timeSweeps('stats() with fs.promises.readFile (threadpool), all at once', () =>
      Promise.all(paths.map((p) => viaThreadpool.stats(p))),
    );
    await timeSweeps('floor: readFileSync of the same files, no parsing', async () => {
      for (const f of files) for (const file of f) readFileSync(file);
    });
    // The shell floor: the file list goes through a file (it is too long for argv).
    await mkdir(scratch, { recursive: true });
    const list = join(scratch, 'files.txt');
    await writeFile(list, `${files.flat().join('\n')}\n`);
    const perCgroup = join(scratch, 'per-cgroup.sh');
    await writeFile(perCgroup, `${files.map((f) => `cat ${f.join(' ')} >/dev/null`).join('\n')}\n`);
    const sh = (script: string) => async () => execFileSync('/bin/sh', ['-c', script]);
    await timeSweeps(
      'shell: xargs cat, all files (a few processes)',
      sh(`xargs cat < ${list} >/dev/null`),
      10,
    );
    await timeSweeps('shell: one `cat` per cgroup (250 processes)', sh(`. ${perCgroup}`), 5);
    await timeSweeps(
      'shell: `while read f; do cat "$f"; done` (1 per file)',
      sh(`while read -r f; do cat "$f"; done < ${list} >/dev/null`),
      3,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
    for (const c of children) c.kill('SIGKILL');
    await pods.teardown({ timeoutMs: 20_000 });
  }
}

await main();
