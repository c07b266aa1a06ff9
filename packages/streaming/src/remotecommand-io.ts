import type { Readable, Writable } from 'node:stream';
import type { ResizeQueue } from './remotecommand-resize.js';
import type { KubeStatus } from './remotecommand-status.js';

/**
 * The server side of one remotecommand connection once its streams are set up, whatever
 * the transport (SPDY streams or WebSocket channels).
 */
export interface RemoteCommandConnection {
  /** The negotiated protocol (e.g. `v4.channel.k8s.io`). */
  readonly protocol: string;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly resize?: ResizeQueue;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
  /** Writes the final Status on the error stream (in the protocol's form). */
  writeStatus(status: KubeStatus): Promise<void>;
  /** Ends the output streams and closes the connection gracefully. */
  finish(): Promise<void>;
  /** Drops the connection at once. */
  abort(): void;
}

/** Which streams the request asked for. */
export interface StreamFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}
