import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** The worker fixture run as its own process, the way a second runtime process would. */
export interface Worker {
  child: ChildProcess;
  /** Resolves when the worker printed `line` (rejects if it exits first). */
  waitFor(line: string): Promise<void>;
  /** Resolves with the exit code (null when killed) once the process is gone. */
  exited: Promise<number | null>;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
}

const fixture = join(import.meta.dirname, 'fixtures', 'store-worker.ts');

/** Spawns `node --conditions=source --import tsx store-worker.ts ...args`. */
export function spawnWorker(args: string[]): Worker {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fixture, ...args],
    {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) if (out.split('\n').includes(w.line)) w.resolve();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    exited,
    output: () => out,
    waitFor(line) {
      if (out.split('\n').includes(line)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ line, resolve });
        void exited.then((code) =>
          reject(new Error(`worker exited (${code}) before printing ${line}:\n${out}`)),
        );
      });
    },
  };
}
