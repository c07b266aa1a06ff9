import type { Duplex, Readable, Writable } from 'node:stream';
import type { TerminalSize } from './remotecommand-resize.js';

/**
 * The streams of one exec or attach session, as the server hands them to the runtime.
 * A stream is present only when the request asked for it. With `tty`, there is no stderr:
 * a terminal has one output stream (raw mode: the client sends keystrokes, the terminal
 * echoes).
 */
export interface StreamIO {
  /** The client's input; ends when the client closes stdin. */
  stdin?: Readable;
  /** Where the process's output goes. The server ends it after the call resolves. */
  stdout?: Writable;
  /** Where the process's error output goes (never with `tty`). */
  stderr?: Writable;
  /** Whether the process should get a terminal. */
  tty: boolean;
  /**
   * Terminal sizes from the client (with `tty`, protocol v3+): apply each to the terminal.
   * The first one usually arrives right after the session starts; the loop ends with it.
   */
  resize?: AsyncIterable<TerminalSize>;
  /** Aborted when the client disconnects or the server closes: stop the process. */
  signal: AbortSignal;
}

/** How an exec ended. */
export interface ExecExit {
  exitCode: number;
}

/**
 * What a container runtime implements so the streaming server can serve its Exec, Attach
 * and PortForward URLs (the kubelet's streaming.Runtime). Resolve a call only after every
 * byte of output was written to `stdout`/`stderr`; throw to report a runtime failure (the
 * client sees an InternalError Status).
 */
export interface StreamingRuntime {
  /** Runs `cmd` in the container and resolves with its exit code. */
  exec(containerId: string, cmd: readonly string[], io: StreamIO): Promise<ExecExit>;
  /** Connects the streams to the container's main process until either side ends. */
  attach(containerId: string, io: StreamIO): Promise<void>;
  /**
   * Connects `stream` to `port` inside the pod's network namespace until either side closes
   * (end `stream` when the port's connection ends).
   */
  portForward(
    podSandboxId: string,
    port: number,
    stream: Duplex,
    signal: AbortSignal,
  ): Promise<void>;
}
