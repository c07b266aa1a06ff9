/**
 * @capstan/streaming — the kubelet's CRI streaming server as a library any runtime can embed.
 *
 * - {@link createStreamingServer}: hands out single-use, expiring URLs for Exec, Attach and
 *   PortForward requests (`getExec(req) -> { url }`) and serves them over SPDY/3.1
 *   (remotecommand v1-v5, portforward.k8s.io) and WebSocket (`v5.channel.k8s.io`,
 *   `v4.channel.k8s.io`, base64 variants, port-forward framing, kubectl's SPDY tunnel).
 * - {@link StreamingRuntime}: what the runtime implements (exec, attach, portForward);
 *   {@link LocalProcessRuntime} is a reference implementation over host processes.
 * - Clients, as kubectl speaks: {@link openRemoteCommand} / {@link runRemoteCommand},
 *   {@link openPortForward}.
 * - Exec hygiene: {@link superviseProcess} (kill on disconnect or timeout, reap),
 *   {@link collectExecSync} and {@link OutputCap} (ExecSync output capped with a marker),
 *   {@link spawnPty} / {@link connectPty} (terminals with resize).
 * - The SPDY/3.1 layer itself ({@link SpdySession}) for tools that need raw streams.
 *
 * @packageDocumentation
 */

export type { ClientConnectOptions } from './client-connect.js';
export {
  openPortForward,
  type PortForwardOptions,
  type PortForwardSession,
  spdyPortForward,
} from './client-portforward.js';
export {
  openRemoteCommand,
  type RemoteCommandResult,
  type RunRemoteCommandOptions,
  runRemoteCommand,
} from './client-remotecommand.js';
export type { RemoteCommandOptions, RemoteCommandSession } from './client-remotecommand-types.js';
export { connectSpdy, type SpdyConnection } from './client-spdy.js';
export {
  isUpgradeFailed,
  PortForwardError,
  SpdyProtocolError,
  StreamingError,
  type StreamingErrorOptions,
  StreamingTimeoutError,
  StreamResetError,
  UpgradeFailedError,
} from './errors.js';
export {
  collectExecSync,
  DEFAULT_EXEC_SYNC_OUTPUT_LIMIT,
  type ExecSyncOutput,
  OutputCap,
  truncationMarker,
} from './exec-output-cap.js';
export {
  killProcess,
  type SupervisedExit,
  type SuperviseOptions,
  superviseProcess,
} from './exec-supervise.js';
export { type ExecLocalOptions, execLocal, type LocalContainerEnv } from './local-exec.js';
export { LocalProcessRuntime, type LocalProcessRuntimeOptions } from './local-process-runtime.js';
export {
  Base64Protocol,
  Channel,
  Header,
  PORT_FORWARD_PROTOCOL,
  RemoteCommandProtocol,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  SPDY_TUNNEL_PREFIX,
  StreamType,
  WS_PORT_FORWARD_PROTOCOLS,
  WS_REMOTECOMMAND_PROTOCOLS,
} from './remotecommand-protocol.js';
export type { TerminalSize } from './remotecommand-resize.js';
export {
  type CommandOutcome,
  decodeStatus,
  exitCodeStatus,
  type KubeStatus,
  successStatus,
} from './remotecommand-status.js';
export { SpdySession, type SpdySessionOptions } from './spdy-session.js';
export { SpdyStream } from './spdy-stream.js';
export type { StreamingLogger } from './streaming-logger.js';
export type { ExecExit, StreamIO, StreamingRuntime } from './streaming-runtime.js';
export {
  createStreamingServer,
  type SessionEvent,
  StreamingServer,
  type StreamingServerOptions,
} from './streaming-server.js';
export { connectPty, type PtyOptions, type PtyProcess, spawnPty } from './tty-pty.js';
