import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import { FailedPreconditionError, NotFoundError } from '@capstan/cri-api';
import { collectExecSync, type ExecSyncOutput } from './exec-output-cap.js';
import { killProcess } from './exec-supervise.js';
import { type ExecLocalOptions, execLocal, type LocalContainerEnv } from './local-exec.js';
import type { ExecExit, StreamIO, StreamingRuntime } from './streaming-runtime.js';
import { connectPty, type PtyProcess, spawnPty } from './tty-pty.js';

/** A main process started by {@link LocalProcessRuntime.start}, for attach. */
interface MainProcess {
  tty: boolean;
  /** Output fan-out: every attached client gets what the process writes from now on. */
  stdout: Set<Writable>;
  stderr: Set<Writable>;
  input: (data: Buffer) => void;
  pty: PtyProcess | undefined;
  child: ChildProcess | undefined;
  exited: Promise<number>;
  running: boolean;
}

/** Options of {@link LocalProcessRuntime}. */
export interface LocalProcessRuntimeOptions extends ExecLocalOptions {
  /** Address port-forwards dial, for every sandbox. Default 127.0.0.1. */
  forwardHost?: string;
}

/**
 * A {@link StreamingRuntime} over processes of this host: a "container" is a working
 * directory and environment, a "sandbox" an address whose ports port-forward dials. It is the
 * reference implementation of the interface (exec with pipes or a pseudo-terminal, attach
 * to a main process, port-forward to TCP) and a test double; it isolates nothing.
 */
export class LocalProcessRuntime implements StreamingRuntime {
  private readonly containers = new Map<string, LocalContainerEnv>();
  private readonly mains = new Map<string, MainProcess>();
  private readonly sandboxes = new Set<string>();
  private readonly opts: LocalProcessRuntimeOptions;

  constructor(opts: LocalProcessRuntimeOptions = {}) {
    this.opts = opts;
  }

  /** Declares a container: exec and attach refer to it by ID. */
  addContainer(id: string, env: LocalContainerEnv = {}): this {
    this.containers.set(id, env);
    return this;
  }

  /** Declares a pod sandbox for port-forward. */
  addSandbox(id: string): this {
    this.sandboxes.add(id);
    return this;
  }

  /**
   * Starts a container's main process (what attach connects to), on a terminal with `tty`.
   * Returns its PID.
   */
  start(id: string, cmd: readonly string[], opts: { tty?: boolean } = {}): number {
    const where = this.container(id);
    if (this.mains.get(id)?.running)
      throw new FailedPreconditionError(`container ${id} is already running`);
    const [file, ...args] = cmd;
    if (file === undefined) throw new FailedPreconditionError('empty command');
    const stdout = new Set<Writable>();
    const stderr = new Set<Writable>();
    const fanOut = (to: Set<Writable>) => (d: Buffer) => {
      for (const w of to) if (!w.writableEnded && !w.destroyed) w.write(d);
    };
    let main: MainProcess;
    if (opts.tty) {
      const pty = spawnPty(file, args, {
        ...(where.cwd ? { cwd: where.cwd } : {}),
        ...(where.env ? { env: where.env } : {}),
      });
      pty.onData(fanOut(stdout));
      main = {
        tty: true,
        stdout,
        stderr,
        input: (d) => pty.write(d),
        pty,
        child: undefined,
        exited: pty.exited.then((e) => e.exitCode),
        running: true,
      };
    } else {
      const child = spawn(file, args, {
        ...where,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdin.on('error', () => {});
      child.stdout.on('data', fanOut(stdout));
      child.stderr.on('data', fanOut(stderr));
      const exited = new Promise<number>((resolve) =>
        child.once('close', (code, sig) => resolve(code ?? (sig ? 137 : 0))),
      );
      main = {
        tty: false,
        stdout,
        stderr,
        input: (d) => child.stdin.write(d),
        pty: undefined,
        child,
        exited,
        running: true,
      };
    }
    void main.exited.then(() => {
      main.running = false;
    });
    this.mains.set(id, main);
    return main.pty?.pid ?? main.child?.pid ?? 0;
  }

  /** Kills a container's main process and waits for it. */
  async stop(id: string): Promise<void> {
    const main = this.mains.get(id);
    if (!main?.running) return;
    const pid = main.pty?.pid ?? main.child?.pid;
    if (pid !== undefined) killProcess(pid, 'SIGKILL', true);
    await main.exited;
  }

  async exec(containerId: string, cmd: readonly string[], io: StreamIO): Promise<ExecExit> {
    return execLocal(cmd, io, this.container(containerId), this.opts);
  }

  /** ExecSync for this runtime: output capped per stream, killed at the timeout. */
  execSync(
    containerId: string,
    cmd: readonly string[],
    opts: { timeoutMs?: number; maxOutputBytes?: number } = {},
  ): Promise<ExecSyncOutput> {
    const where = this.container(containerId);
    const [file, ...args] = cmd;
    if (file === undefined) throw new FailedPreconditionError('empty command');
    const child = spawn(file, args, {
      ...where,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return collectExecSync(child, opts);
  }

  async attach(containerId: string, io: StreamIO): Promise<void> {
    this.container(containerId);
    const main = this.mains.get(containerId);
    if (!main?.running)
      throw new FailedPreconditionError(`container ${containerId} is not running`);
    if (io.stdout) main.stdout.add(io.stdout);
    if (io.stderr && !main.tty) main.stderr.add(io.stderr);
    const onInput = (d: Buffer) => main.input(d);
    io.stdin?.on('data', onInput);
    const disconnectPty =
      main.pty && io.resize ? connectPty(main.pty, { resize: io.resize }) : () => {};
    try {
      await Promise.race([
        main.exited,
        new Promise<void>((resolve) => {
          if (io.signal.aborted) resolve();
          io.signal.addEventListener('abort', () => resolve(), { once: true });
        }),
      ]);
    } finally {
      io.stdin?.off('data', onInput);
      disconnectPty();
      if (io.stdout) main.stdout.delete(io.stdout);
      if (io.stderr) main.stderr.delete(io.stderr);
    }
  }

  async portForward(
    podSandboxId: string,
    port: number,
    stream: Duplex,
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.sandboxes.has(podSandboxId))
      throw new NotFoundError(`pod sandbox ${podSandboxId} not found`);
    const host = this.opts.forwardHost ?? '127.0.0.1';
    const socket = connect({ host, port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) => reject(new Error(`dial tcp ${host}:${port}: ${err.message}`)));
    });
    const onAbort = () => socket.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', () => {});
    stream.on('error', () => socket.destroy());
    stream.pipe(socket);
    socket.pipe(stream);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    signal.removeEventListener('abort', onAbort);
    stream.unpipe(socket);
  }

  /** Kills every main process. */
  async close(): Promise<void> {
    await Promise.all([...this.mains.keys()].map((id) => this.stop(id)));
  }

  private container(id: string): LocalContainerEnv {
    const c = this.containers.get(id);
    if (!c) throw new NotFoundError(`container ${id} not found`);
    return c;
  }
}
