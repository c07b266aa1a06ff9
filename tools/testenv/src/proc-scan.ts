import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One process as seen in /proc at the time of the scan. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Single-letter state from /proc/<pid>/stat (R, S, D, Z, ...). */
  state: string;
  cmdline: string[];
  /** Target of /proc/<pid>/root, when readable. */
  root: string | undefined;
  /** Target of /proc/<pid>/cwd, when readable. */
  cwd: string | undefined;
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Reads one process from /proc; undefined when it is gone (or was never there). */
export function readProcess(pid: number): ProcInfo | undefined {
  const stat = readOrUndefined(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (stat === undefined) return undefined;
  // The command name is in parentheses and may itself contain spaces and parentheses.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cmdline = readOrUndefined(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8')) ?? '';
  return {
    pid,
    ppid: Number(rest[1] ?? 0),
    state: rest[0] ?? '?',
    cmdline: cmdline.split('\0').filter((s) => s.length > 0),
    root: readOrUndefined(() => readlinkSync(`/proc/${pid}/root`)),
    cwd: readOrUndefined(() => readlinkSync(`/proc/${pid}/cwd`)),
  };
}

/** Every process currently in /proc. */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

function isUnder(path: string | undefined, dir: string): boolean {
  return path !== undefined && (path === dir || path.startsWith(`${dir}/`));
}

/**
 * True when `arg` names `dir` or a path below it: `/tmp/x-ab12` is not mentioned by
 * `/tmp/x-ab123`, but is by `--root=/tmp/x-ab12/runc` and `unix:///tmp/x-ab12/d.sock`.
 */
export function mentionsDir(arg: string, dir: string): boolean {
  for (let at = arg.indexOf(dir); at >= 0; at = arg.indexOf(dir, at + 1)) {
    const next = arg[at + dir.length];
    if (next === undefined || !/[A-Za-z0-9._-]/.test(next)) return true;
  }
  return false;
}

/** Our own process and its ancestors: never candidates for killing. */
function selfAndAncestors(all: Map<number, ProcInfo>): Set<number> {
  const out = new Set<number>([1]);
  let pid: number | undefined = process.pid;
  while (pid !== undefined && pid > 1 && !out.has(pid)) {
    out.add(pid);
    pid = all.get(pid)?.ppid;
  }
  return out;
}

/**
 * Processes that belong to a private daemon dir: every live process whose command line
 * mentions `dir`, whose root or working directory lies under it (container processes
 * pivot into a rootfs under the dir, shims run in their bundle dir), and every
 * descendant of those. The calling process and its ancestors are never included.
 */
export function findProcessesUnder(dir: string): ProcInfo[] {
  const all = new Map(listProcesses().map((p) => [p.pid, p]));
  const protectedPids = selfAndAncestors(all);
  const matched = new Set<number>();
  for (const p of all.values()) {
    if (protectedPids.has(p.pid) || p.state === 'Z') continue;
    if (
      p.cmdline.some((arg) => mentionsDir(arg, dir)) ||
      isUnder(p.root, dir) ||
      isUnder(p.cwd, dir)
    ) {
      matched.add(p.pid);
    }
  }
  const children = new Map<number, number[]>();
  for (const p of all.values()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const queue = [...matched];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (!matched.has(child) && !protectedPids.has(child)) {
        matched.add(child);
        queue.push(child);
      }
    }
  }
  return [...matched]
    .map((pid) => all.get(pid))
    .filter((p): p is ProcInfo => p !== undefined && p.state !== 'Z');
}

/** True when the process is a containerd runtime shim (v2 runc shim or any other). */
export function isShim(p: ProcInfo): boolean {
  const exe = p.cmdline[0] ?? '';
  return /containerd-shim/.test(exe);
}
