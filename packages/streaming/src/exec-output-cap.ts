import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { type SuperviseOptions, superviseProcess } from './exec-supervise.js';

/** Default cap of each ExecSync output stream: both fit the CRI's 16 MiB message limit. */
export const DEFAULT_EXEC_SYNC_OUTPUT_LIMIT = 8 * 1024 * 1024;

/** The marker appended to output cut at `limit` bytes. */
export function truncationMarker(droppedBytes: number, limit: number): string {
  return `\n[capstan: output truncated: ${droppedBytes} more bytes over the ${limit}-byte limit were dropped]\n`;
}

/**
 * Keeps the first `limit` bytes written to it and counts the rest, so a chatty probe cannot
 * exhaust memory; `result()` appends a clear marker when something was dropped.
 */
export class OutputCap extends Writable {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes dropped past the limit. */
  dropped = 0;

  constructor(readonly limit: number = DEFAULT_EXEC_SYNC_OUTPUT_LIMIT) {
    super();
  }

  /** Whether output was cut. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
    cb();
  }

  /** The output kept, plus the truncation marker when some was dropped. */
  result(): Buffer {
    const body = Buffer.concat(this.chunks, this.kept);
    return this.truncated
      ? Buffer.concat([body, Buffer.from(truncationMarker(this.dropped, this.limit))])
      : body;
  }
}

/** Result of {@link collectExecSync}. */
export interface ExecSyncOutput {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
  timedOut: boolean;
  /** Whether either stream was cut at `maxOutputBytes`. */
  truncated: boolean;
}

/**
 * Runs an ExecSync to completion on a spawned child (`stdio: ['ignore'|'pipe', 'pipe',
 * 'pipe']`, `detached: true`): output capped per stream, the process group killed at the
 * timeout or on abort, the child reaped before this resolves.
 */
export async function collectExecSync(
  child: ChildProcess,
  opts: SuperviseOptions & { maxOutputBytes?: number } = {},
): Promise<ExecSyncOutput> {
  const out = new OutputCap(opts.maxOutputBytes);
  const err = new OutputCap(opts.maxOutputBytes);
  child.stdout?.pipe(out);
  child.stderr?.pipe(err);
  child.stdin?.end();
  const exit = await superviseProcess(child, opts);
  return {
    stdout: out.result(),
    stderr: err.result(),
    exitCode: exit.exitCode,
    timedOut: exit.timedOut,
    truncated: out.truncated || err.truncated,
  };
}
