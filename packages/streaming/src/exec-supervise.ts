import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** How a supervised process ended. */
export interface SupervisedExit {
  /** The exit code, or 128 + signal number when a signal ended it (the shell's convention). */
  exitCode: number;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  /** Killed because `timeoutMs` passed. */
  timedOut: boolean;
  /** Killed because `signal` was aborted (the client went away). */
  cancelled: boolean;
}

/** Options of {@link superviseProcess}. */
export interface SuperviseOptions {
  /** Kill the process when this aborts (pass the session's StreamIO.signal). */
  signal?: AbortSignal;
  /** Kill the process after this long. */
  timeoutMs?: number;
  /** Signal used to kill. Default SIGKILL. */
  killSignal?: NodeJS.Signals;
  /**
   * Kill the whole process group (spawn with `detached: true` so the child leads one):
   * what a shell started in the background dies with it. Default true.
   */
  killGroup?: boolean;
  /**
   * After the process exited, how long to wait for its output pipes to close before
   * cutting them (a daemonized grandchild holding stdout must not hold the session). Default 2 s.
   */
  outputGraceMs?: number;
}

/** Sends `sig` to `pid`'s process group (or just `pid`); a gone process is not an error. */
export function killProcess(pid: number, sig: NodeJS.Signals = 'SIGKILL', group = true): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Watches a child started for an exec: kills it (and its process group) when the client
 * disconnects or the timeout passes, and resolves once it has exited and been reaped (Node
 * reaps its children; the 'close' event comes after waitpid) and its output was drained.
 */
export function superviseProcess(
  child: ChildProcess,
  opts: SuperviseOptions = {},
): Promise<SupervisedExit> {
  let timedOut = false;
  let cancelled = false;
  const kill = () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      killProcess(child.pid, opts.killSignal ?? 'SIGKILL', opts.killGroup ?? true);
    }
  };
  const onAbort = () => {
    cancelled = true;
    kill();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill();
        }, opts.timeoutMs);
  return new Promise((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      clearTimeout(timer);
      clearTimeout(grace);
      opts.signal?.removeEventListener('abort', onAbort);
      const signo = sig ? (constants.signals[sig] ?? 0) : 0;
      resolve({ exitCode: code ?? 128 + signo, signal: sig, timedOut, cancelled });
    };
    child.once('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('exit', () => {
      grace = setTimeout(() => {
        for (const s of [child.stdout, child.stderr, child.stdin]) s?.destroy();
      }, opts.outputGraceMs ?? 2000);
    });
    child.once('close', finish);
  });
}
