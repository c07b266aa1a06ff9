import type { RemoteCommandConnection, StreamFlags } from './remotecommand-io.js';
import {
  exitCodeStatus,
  internalErrorStatus,
  type KubeStatus,
  successStatus,
} from './remotecommand-status.js';
import { endAndWait } from './stream-util.js';
import type { StreamingLogger } from './streaming-logger.js';
import type { StreamIO, StreamingRuntime } from './streaming-runtime.js';

/** What one exec or attach URL was issued for. */
export type RemoteCommandTarget =
  | { kind: 'exec'; containerId: string; cmd: readonly string[] }
  | { kind: 'attach'; containerId: string };

/**
 * Runs an exec or attach on `runtime` over an established connection, then ends the
 * output streams, writes the final Status (exit code, or InternalError when the runtime
 * threw) and closes the connection. If the client left, the runtime's signal is aborted
 * and nothing more is written. Resolves with the Status (undefined when the client left).
 */
export async function serveRemoteCommand(
  target: RemoteCommandTarget,
  conn: RemoteCommandConnection,
  flags: StreamFlags,
  runtime: StreamingRuntime,
  log: StreamingLogger,
): Promise<KubeStatus | undefined> {
  const io: StreamIO = {
    tty: flags.tty,
    signal: conn.signal,
    ...(conn.stdin ? { stdin: conn.stdin } : {}),
    ...(conn.stdout ? { stdout: conn.stdout } : {}),
    ...(conn.stderr ? { stderr: conn.stderr } : {}),
    ...(conn.resize ? { resize: conn.resize } : {}),
  };
  let status: KubeStatus;
  try {
    if (target.kind === 'exec') {
      const { exitCode } = await runtime.exec(target.containerId, target.cmd, io);
      status = exitCode === 0 ? successStatus() : exitCodeStatus(exitCode);
    } else {
      await runtime.attach(target.containerId, io);
      status = successStatus();
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const what = target.kind === 'exec' ? 'executing command in' : 'attaching to';
    log.warn({ containerId: target.containerId, err: message }, `error ${what} container`);
    status = internalErrorStatus(`error ${what} container: ${message}`);
  }
  conn.resize?.end();
  if (conn.signal.aborted) return undefined;
  await Promise.all([
    conn.stdout && endAndWait(conn.stdout),
    conn.stderr && endAndWait(conn.stderr),
  ]);
  await conn.writeStatus(status);
  await conn.finish();
  return status;
}
