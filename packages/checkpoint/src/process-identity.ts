import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Temporary files and lock owners are named after the process that made them, so a later
// process can tell whether that maker is still alive. A PID alone is not enough: PIDs are
// reused, and after a reboot every PID starts over. So an identity is the PID, the process's
// start time in clock ticks since boot (/proc/<pid>/stat field 22) and the boot ID. Where
// /proc is missing (not Linux) start and boot are "0" and liveness falls back to kill(pid, 0).

/** Who made a temporary file or holds a lock. */
export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot, or "0" when unknown. */
  start: string;
  /** The boot ID without dashes, or "0" when unknown. */
  boot: string;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

interface ProcStat {
  state: string;
  start: string;
}

/** State and start time from /proc/<pid>/stat; the command name may contain spaces and ')'. */
function procStat(pid: number): ProcStat | undefined {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the command: field 3 (state) is fields[0], field 22 (starttime) is fields[19].
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined || !/^[0-9]+$/.test(start)) return undefined;
  return { state, start };
}

const bootId = (readProc('/proc/sys/kernel/random/boot_id') ?? '0').trim().replaceAll('-', '');

let self: ProcessIdentity | undefined;

/** This process's identity (computed once; a PID does not change). */
export function selfIdentity(): ProcessIdentity {
  self ??= { pid: process.pid, start: procStat(process.pid)?.start ?? '0', boot: bootId };
  return self;
}

/** `<pid>-<start>-<boot>`: safe in file names. */
export function formatIdentity(id: ProcessIdentity): string {
  return `${id.pid}-${id.start}-${id.boot}`;
}

/** The identity at the start of `text` (as written by {@link formatIdentity}), if any. */
export function parseIdentity(text: string): ProcessIdentity | undefined {
  const m = /^([1-9][0-9]{0,9})-([0-9]{1,20})-([0-9a-f]{1,32})(?:-|$)/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), start: m[2] as string, boot: m[3] as string };
}

/** False only when no process has this PID (ESRCH). */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * True unless the process is certainly gone: another boot, no such PID, a zombie, or the PID
 * now belongs to a process that started at another time. A process we may not signal (EPERM)
 * exists, so it counts as alive.
 */
export function isAlive(id: ProcessIdentity): boolean {
  const me = selfIdentity();
  if (id.boot !== me.boot) return false;
  if (id.pid === me.pid) return id.start === me.start;
  if (!signalable(id.pid)) return false;
  const stat = procStat(id.pid);
  // No /proc entry: not Linux, or /proc mounted with hidepid. kill(0) is all we know.
  if (stat === undefined) return signalable(id.pid);
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return id.start === '0' || stat.start === id.start;
}

/** A random suffix that makes a name unique among this process's files. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}
