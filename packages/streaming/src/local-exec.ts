import { spawn } from 'node:child_process';
import { superviseProcess } from './exec-supervise.js';
import type { ExecExit, StreamIO } from './streaming-runtime.js';
import { connectPty, spawnPty } from './tty-pty.js';

/** Where a local "container" runs its commands. */
export interface LocalContainerEnv {
  cwd?: string;
  env?: Record<string, string>;
}

/** Options of {@link execLocal}. */
export interface ExecLocalOptions {
  /** Kill the command after this long (streaming exec has no deadline by default). */
  timeoutMs?: number;
  /** How long output may trail the exit (see SuperviseOptions.outputGraceMs). */
  outputGraceMs?: number;
  /**
   * Run each command in its own PID namespace (`unshare --pid --fork --kill-child`, needs
   * root). Killing a process group cannot reap grandchildren: orphans go to the nearest
   * subreaper or PID 1, and a PID 1 that does not reap (as on some VMs) keeps them as
   * zombies. In a PID namespace the kernel kills and reaps everything when the command ends,
   * as a container runtime's shim (a subreaper) would. Default false.
   */
  isolatePids?: boolean;
}

const UNSHARE = ['unshare', '--pid', '--fork', '--kill-child'];

/**
 * Runs `cmd` as a host process connected to a session's streams: on a pseudo-terminal when
 * `io.tty` (resize events applied, one output stream), else with pipes. The process group is
 * killed when the client disconnects or `timeoutMs` passes; resolves after it was reaped.
 */
export async function execLocal(
  cmd: readonly string[],
  io: StreamIO,
  where: LocalContainerEnv = {},
  opts: ExecLocalOptions = {},
): Promise<ExecExit> {
  if (cmd.length === 0) throw new Error('empty command');
  const [file, ...args] = (opts.isolatePids ? [...UNSHARE, ...cmd] : cmd) as [string, ...string[]];
  const env = where.env ?? (process.env as Record<string, string>);
  if (io.tty) {
    // The client's first size arrives on io.resize; connectPty applies it.
    const pty = spawnPty(file, args, { env, ...(where.cwd ? { cwd: where.cwd } : {}) });
    const disconnect = connectPty(pty, io);
    const kill = () => pty.kill('SIGKILL');
    io.signal.addEventListener('abort', kill, { once: true });
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(kill, opts.timeoutMs);
    try {
      return await pty.exited;
    } finally {
      clearTimeout(timer);
      io.signal.removeEventListener('abort', kill);
      disconnect();
    }
  }
  const child = spawn(file, args, {
    env,
    ...(where.cwd ? { cwd: where.cwd } : {}),
    stdio: [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, killed as a whole
  });
  if (io.stdin && child.stdin) {
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    io.stdin.pipe(child.stdin);
  }
  if (io.stdout) child.stdout?.pipe(io.stdout, { end: false });
  else child.stdout?.resume();
  if (io.stderr) child.stderr?.pipe(io.stderr, { end: false });
  else child.stderr?.resume();
  try {
    const exit = await superviseProcess(child, {
      signal: io.signal,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.outputGraceMs === undefined ? {} : { outputGraceMs: opts.outputGraceMs }),
    });
    return { exitCode: exit.exitCode };
  } finally {
    if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
  }
}
