import type { Readable, Writable } from 'node:stream';
import { spawn as ptySpawn } from 'node-pty';
import { killProcess } from './exec-supervise.js';
import type { TerminalSize } from './remotecommand-resize.js';

/** A process on a pseudo-terminal (node-pty). */
export interface PtyProcess {
  readonly pid: number;
  /** Input, as typed at the terminal. */
  write(data: Buffer | string): void;
  /** Applies a terminal size (sends SIGWINCH to the foreground process group). */
  resize(size: TerminalSize): void;
  /** Kills the process group the terminal's session leader heads. */
  kill(signal?: NodeJS.Signals): void;
  /** Subscribes to output; returns an unsubscribe function. */
  onData(listener: (data: Buffer) => void): () => void;
  /** Resolves when the process has exited (128 + signal when a signal ended it). */
  readonly exited: Promise<{ exitCode: number }>;
}

/** Options of {@link spawnPty}. */
export interface PtyOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Initial size. Default 80x24. */
  size?: TerminalSize;
}

const clamp = (n: number) => Math.max(1, Math.min(Math.floor(n), 65535));

/**
 * Starts `file` on a new pseudo-terminal, as its session leader. The terminal is in its
 * default (cooked) mode: echo and line editing happen here, as in a container's TTY, while
 * the client keeps its own terminal raw.
 */
export function spawnPty(file: string, args: readonly string[], opts: PtyOptions = {}): PtyProcess {
  const p = ptySpawn(file, [...args], {
    name: 'xterm',
    cols: clamp(opts.size?.width ?? 80),
    rows: clamp(opts.size?.height ?? 24),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env ?? (process.env as Record<string, string>),
    encoding: null,
  });
  let lastData = 0;
  p.onData(() => {
    lastData = Date.now();
  });
  const exited = new Promise<{ exitCode: number }>((resolve) => {
    p.onExit(({ exitCode, signal }) => {
      // Output can trail the exit event: wait until it has been quiet briefly.
      const settle = () => {
        if (Date.now() - lastData < 30) setTimeout(settle, 30);
        else resolve({ exitCode: signal ? 128 + signal : exitCode });
      };
      setTimeout(settle, 20);
    });
  });
  return {
    pid: p.pid,
    write: (data) => p.write(data),
    resize: (size) => {
      try {
        p.resize(clamp(size.width), clamp(size.height));
      } catch {
        // the terminal is already gone
      }
    },
    kill: (signal = 'SIGKILL') => killProcess(p.pid, signal, true),
    onData: (listener) => {
      const d = p.onData((data: string | Buffer) =>
        listener(typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
      );
      return () => d.dispose();
    },
    exited,
  };
}

/**
 * Connects a terminal to a session's streams: stdin to its input, its output to stdout,
 * resize events to its size. Returns a function that disconnects (the process keeps running).
 */
export function connectPty(
  pty: PtyProcess,
  io: { stdin?: Readable; stdout?: Writable; resize?: AsyncIterable<TerminalSize> },
): () => void {
  // A size that already arrived is applied before any input reaches the terminal (the
  // server's resize queue exposes it as `latest`), so a command typed at once sees it.
  const latest = (io.resize as { latest?: TerminalSize } | undefined)?.latest;
  if (latest) pty.resize(latest);
  const stdout = io.stdout;
  const offData = stdout ? pty.onData((d) => stdout.write(d)) : () => {};
  const onInput = (d: Buffer) => pty.write(d);
  io.stdin?.on('data', onInput);
  let active = true;
  if (io.resize) {
    void (async () => {
      for await (const size of io.resize!) {
        if (!active) break;
        pty.resize(size);
      }
    })();
  }
  return () => {
    active = false;
    offData();
    io.stdin?.off('data', onInput);
  };
}
