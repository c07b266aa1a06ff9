import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A name no other run uses; every test cgroup and mount has `evict` in its name. */
export const uniqueName = (tag: string) =>
  `capstan-evict-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`;

/** Debian's python (the PATH one may be a shim that costs a shell start). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export const isRoot = process.getuid?.() === 0;

const started = new Set<ChildProcess>();

/** Track a child so that {@link killStarted} ends it (by PID, never by name). */
export function track<T extends ChildProcess>(child: T): T {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Resolves with the child's exit code and signal. */
export const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Resolves once the child exited and its stdio streams are drained (all output read). */
export const closed = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (!child.stdout || child.stdout.readableEnded)
        return resolve({ code: child.exitCode, signal: child.signalCode });
    }
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

/** SIGKILL every child a test started and wait for them. */
export async function killStarted(): Promise<void> {
  const all = [...started];
  for (const c of all) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(all.map(exited));
}

/** One allocation step: when it started, and (if it finished) when, with the node's working set then. */
export interface AllocationStep {
  start: number;
  end?: number;
  workingSetBytes?: number;
}

/**
 * A memory allocator in two steps, so it can be moved into a cgroup first: the shell waits
 * for a line, execs python, python prints `ready` and waits for a second line, then
 * allocates `stepMiB` every `intervalMs` (touching every page) up to `maxMiB` (or the
 * byte count given to `go`), and sleeps. Around each step it prints its start time, and its
 * end time with the working set (usage − total_inactive_file) of the memory cgroup
 * directory `measureDir`, so a test can date the threshold crossing to the step during
 * which it happened (the kernel may wake a watcher, and the process may be killed, before
 * that step ends).
 */
export function spawnAllocator(options: {
  stepMiB: number;
  intervalMs: number;
  maxMiB: number;
  measureDir: string;
}) {
  const py = [
    'import sys, time',
    `step, pause, top = ${options.stepMiB} << 20, ${options.intervalMs / 1000}, ${options.maxMiB} << 20`,
    `d = ${JSON.stringify(options.measureDir)}`,
    'def ws():',
    "    u = int(open(d + '/memory.usage_in_bytes').read())",
    "    for line in open(d + '/memory.stat'):",
    "        if line.startswith('total_inactive_file '): return u - int(line.split()[1])",
    '    return u',
    'print("ready", flush=True)',
    'arg = sys.stdin.readline().split()',
    'top = int(arg[1]) if len(arg) > 1 else top',
    'held, total = [], 0',
    'while total < top:',
    '    print(f"s {time.time() * 1000:.1f}", flush=True)',
    "    held.append(b'x' * step)",
    '    total += step',
    '    print(f"e {time.time() * 1000:.1f} {ws()}", flush=True)',
    '    time.sleep(pause)',
    'time.sleep(3600)',
  ].join('\n');
  const child = track(
    spawn('/bin/sh', ['-c', `read line; exec ${PYTHON} -u -c "$0"`, py], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  const steps = (): AllocationStep[] => {
    const out: AllocationStep[] = [];
    for (const l of lines) {
      const [kind, t, w] = l.split(' ');
      if (kind === 's') out.push({ start: Number(t) });
      else if (kind === 'e' && out.length > 0)
        Object.assign(out[out.length - 1]!, { end: Number(t), workingSetBytes: Number(w) });
    }
    return out;
  };
  return {
    child,
    /** Let the shell exec python (after the process was moved into its cgroup). */
    exec: () => child.stdin.write('exec\n'),
    /** Start allocating (up to `maxBytes` when given). */
    go: (maxBytes?: number) => child.stdin.write(`go${maxBytes ? ` ${maxBytes}` : ''}\n`),
    ready: async () => {
      while (!lines.includes('ready')) await new Promise((r) => setTimeout(r, 10));
    },
    steps,
    /**
     * When the working set crossed `level`: the start of the first step that ended above
     * it, or of the step in progress when the process died (its end never came).
     */
    crossedAt: (level: number): number | undefined => {
      const all = steps();
      const over = all.find((s) => s.workingSetBytes !== undefined && s.workingSetBytes > level);
      if (over) return over.start;
      const last = all.at(-1);
      return last && last.end === undefined ? last.start : undefined;
    },
  };
}

/** Every directory under /sys/fs/cgroup whose name contains `part` (depth-limited). */
export function findCgroups(part: string, base = '/sys/fs/cgroup', depth = 3): string[] {
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
      try {
        if (!statSync(p).isDirectory()) continue;
      } catch {
        continue;
      }
      if (n.includes(part)) out.push(p);
      if (d > 0) walk(p, d - 1);
    }
  };
  walk(base, depth);
  return out;
}

/** Mount points whose path contains `part`. */
export const findMounts = (part: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.includes(part));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
