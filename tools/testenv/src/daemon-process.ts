import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a daemon process ended. */
export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running child process whose output goes to a log file. */
export interface DaemonProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<DaemonExit>;
  running(): boolean;
  /** The last lines of the log file, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the process is gone. */
  terminate(graceMs?: number): Promise<DaemonExit>;
}

/** Variables that would make a private daemon reach outside its dir or misroute loopback. */
const DROP_ENV = /^(REGISTRY_|NOTIFY_SOCKET$|LISTEN_FDS$|LISTEN_PID$|DOCKER_|CONTAINERD_)/;

/** The environment for a private daemon: ours, minus daemon overrides, with loopback unproxied. */
export function daemonEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !DROP_ENV.test(k)) env[k] = v;
  }
  const noProxy = [env.NO_PROXY ?? env.no_proxy, '127.0.0.1', 'localhost', '::1']
    .filter((s) => s !== undefined && s !== '')
    .join(',');
  return { ...env, NO_PROXY: noProxy, no_proxy: noProxy, ...extra };
}

/**
 * The command line that joins cgroup dir `cgroup` (writes its own PID to `cgroup.procs`)
 * and then execs `command`: the PID stays the daemon's, and everything it forks from its
 * first instruction on starts in that cgroup.
 */
export function inCgroup(
  cgroup: string,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return {
    command: '/bin/sh',
    args: ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, command, ...args],
  };
}

/** Starts `command` with stdout and stderr appended to `logFile`. */
export function spawnDaemon(opts: {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  cwd: string;
  env?: Record<string, string>;
  /** A cgroup dir the process joins before it execs (see {@link inCgroup}). */
  cgroup?: string;
}): DaemonProcess {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  const argv =
    opts.cgroup === undefined
      ? { command: opts.command, args: [...opts.args] }
      : inCgroup(opts.cgroup, opts.command, opts.args);
  try {
    child = spawn(argv.command, argv.args, {
      cwd: opts.cwd,
      env: opts.env ?? daemonEnv(),
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let done = false;
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
  });
  // A test that forgets stop() must not keep the runner's event loop alive forever.
  child.unref();
  const pid = child.pid ?? -1;
  const logTail = (lines = 20): string => {
    try {
      return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    exited,
    running: () => !done,
    logTail,
    async terminate(graceMs = 10_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      // A cancelled timer: a pending one would hold the runner's event loop for graceMs.
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/**
 * Polls `check` until it returns true. Fails early, with the daemon's log tail, if the
 * daemon exits first, and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(
  daemon: DaemonProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!daemon.running()) {
      const exit = await daemon.exited;
      throw new Error(
        `${daemon.name} exited (code ${exit.code}, signal ${exit.signal}) before ${what}; ` +
          `log ${daemon.logFile}:\n${daemon.logTail()}`,
      );
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${daemon.name} (pid ${daemon.pid}): timed out after ${timeoutMs} ms waiting for ${what}; ` +
          `log ${daemon.logFile}:\n${daemon.logTail()}`,
      );
    }
    await sleep(50);
  }
}
