/**
 * @capstan/cri-server — the runtime-independent CRI core. A runtime implements
 * {@link RuntimeBackend}; this package owns IDs, name reservation, CRI state machines,
 * idempotency and ordering, log paths, durable state (recovered after `kill -9`), per-call
 * logging and latency metrics, the streaming server behind Exec, Attach and PortForward
 * (@capstan/streaming, when the backend implements its optional streaming methods), and
 * serves it all over CRI.
 *
 * @packageDocumentation
 */

export type { ExecExit, StreamIO } from '@capstan/streaming';
export type {
  ContainerLiveState,
  ContainerRecord,
  ContainerRunState,
  ContainerSpec,
  ImageBackend,
  PodNetwork,
  RuntimeBackend,
  SandboxRecord,
  SandboxSpec,
} from './backend.js';
export { resolveLogPath } from './container-ops.js';
export type { LifecycleEvent } from './core.js';
export { matchId, newId } from './ids.js';
export { type Logger, silentLogger } from './logger.js';
export { containerName, sandboxName } from './records.js';
export type { RecoveryReport } from './recovery.js';
export {
  createRuntimeService,
  type RuntimeService,
  type RuntimeServiceOptions,
  serveRuntime,
} from './server.js';
export { parseStreamingAddress, type StreamingOptions } from './streaming-ops.js';
