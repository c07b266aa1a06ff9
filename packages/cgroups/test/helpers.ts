import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A root name no other run uses: `capstan-test-<pid>-<rand>`. */
export const uniqueRoot = (tag = '') =>
  `capstan-test-${process.pid}-${randomBytes(3).toString('hex')}${tag ? `-${tag}` : ''}`;

/** Debian's python (the PATH one is a pyenv shim that costs a bash start). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export const isRoot = process.getuid?.() === 0;

/** Processes started by a test, killed by PID in afterEach (never by name). */
const started = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** A CPU burner: `sh -c 'while :; do :; done'`. */
export function spawnBusy(): ChildProcess {
  return track(spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

/** A process that sleeps for `seconds`. */
export function spawnSleep(seconds: number): ChildProcess {
  return track(spawn('/bin/sleep', [String(seconds)], { stdio: 'ignore' }));
}

/**
 * A shell that waits for a line on stdin and then execs python to allocate `mib` MiB (and
 * touch every page) and sleep. Move it into the cgroup first, then call `go()`, so the
 * allocation is charged to the cgroup under test.
 */
export function spawnGatedAllocator(mib: number): { child: ChildProcess; go: () => void } {
  const py = `b = bytearray(${mib} * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1\nimport time\ntime.sleep(30)`;
  const child = track(
    spawn('/bin/sh', ['-c', `read line; exec ${PYTHON} -c "$0"`, py], {
      stdio: ['pipe', 'ignore', 'ignore'],
    }),
  );
  return { child, go: () => child.stdin?.end('go\n') };
}

/** Wait for a child's exit; resolves with its signal or code. */
export const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Kill everything the test started (by PID) and wait for the exits. */
export async function killStarted(): Promise<void> {
  const all = [...started];
  for (const c of all) if (c.pid && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(all.map(exited));
}

/** `/proc/<pid>/stat`: state letter and utime+stime ticks. */
export function procStat(pid: number): { state: string; cpuTicks: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every directory under /sys/fs/cgroup whose name starts with `prefix` (depth-limited). */
export function findCgroups(prefix: string, base = '/sys/fs/cgroup', depth = 3): string[] {
  const out: string[] = [];
  const walk = (dir: string, d: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        continue;
      }
      if (!isDir) continue;
      if (n.startsWith(prefix)) out.push(p);
      if (d > 0) walk(p, d - 1);
    }
  };
  walk(base, depth);
  return out;
}

/** Read a kernel file, trimmed. */
export const readTrim = (file: string) => readFileSync(file, 'utf8').trim();
