import type { Readable, Writable } from 'node:stream';
import type { ClientConnectOptions } from './client-connect.js';
import type { TerminalSize } from './remotecommand-resize.js';
import type { CommandOutcome } from './remotecommand-status.js';

/** Options of `openRemoteCommand`: which streams to open, over what. */
export interface RemoteCommandOptions extends ClientConnectOptions {
  /** `spdy` (kubectl <= 1.29, the kubelet) or `websocket` (kubectl >= 1.30). Default `spdy`. */
  transport?: 'spdy' | 'websocket';
  /**
   * Subprotocols offered, most preferred first. Default: v5..v1 over SPDY, v5 and v4 over
   * WebSocket (add `v4.base64.channel.k8s.io` and friends to try those).
   */
  protocols?: readonly string[];
  /** Open stdin (default false). */
  stdin?: boolean;
  /** Open stdout (default true). */
  stdout?: boolean;
  /** Open stderr (default true unless `tty`). */
  stderr?: boolean;
  /** Ask for a terminal: one output stream, and resize events (v3+). */
  tty?: boolean;
  /** Terminal size sent right away with `tty`. */
  initialSize?: TerminalSize;
}

/** An open exec/attach session, as a client sees it. */
export interface RemoteCommandSession {
  readonly transport: 'spdy' | 'websocket';
  /** The negotiated protocol. */
  readonly protocol: string;
  /**
   * The command's input; `end()` closes it (a SPDY FIN, the v5 CLOSE signal; WebSocket v4
   * and older cannot signal end of input, so there it only stops sending).
   */
  readonly stdin: Writable | null;
  /** The command's output. Read stdout and stderr to their end. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Sends a terminal size (with `tty`, v3+; ignored otherwise). */
  resize(size: TerminalSize): void;
  /** Resolves once the server reported the outcome and the output streams ended. */
  readonly done: Promise<CommandOutcome>;
  /** Drops the connection. */
  close(): void;
}
