import { mkdirSync } from 'node:fs';
import {
  type CriServer,
  createCriServer,
  type ImageServiceHandlers,
  type RuntimeServiceHandlers,
} from '@capstan/cri-api';
import type { Registry } from 'prom-client';
import type { PodNetwork, RuntimeBackend } from './backend.js';
import { createContainer } from './container-create.js';
import { execSync, reopenContainerLog } from './container-exec.js';
import { removeContainer } from './container-remove.js';
import { startContainer } from './container-start.js';
import { containerStatus, listContainers } from './container-status.js';
import { stopContainer } from './container-stop.js';
import { updateContainerResources } from './container-update.js';
import { type Core, newEvents } from './core.js';
import { eventStream } from './events.js';
import { ImageOps } from './image-ops.js';
import { KeyedMutex } from './keyed-mutex.js';
import { type Logger, silentLogger } from './logger.js';
import { callObserver, Registry as PromRegistry } from './metrics.js';
import { NameRegistrar } from './names.js';
import { type RecoveryReport, recover } from './recovery.js';
import { runtimeConfig, runtimeStatus, version } from './runtime-status.js';
import { removePodSandbox } from './sandbox-remove.js';
import { runPodSandbox } from './sandbox-run.js';
import { listPodSandbox, podSandboxStatus } from './sandbox-status.js';
import { stopPodSandbox } from './sandbox-stop.js';
import { StateStore } from './state-store.js';
import {
  containerStats,
  listContainerStats,
  listPodSandboxStats,
  podSandboxStats,
} from './stats-list.js';
import { type StreamingOptions, startStreaming } from './streaming-ops.js';

/** Options of {@link createRuntimeService}. */
export interface RuntimeServiceOptions {
  backend: RuntimeBackend;
  /** Pod networking (e.g. CNI through @capstan/cni-net); without it only host-network pods run. */
  network?: PodNetwork;
  /**
   * Where sandbox and container records are checkpointed. The service owns it while open: a
   * second service on the same directory waits `stateLockTimeoutMs` (10 s) for the first
   * to close, then fails with a LockTimeoutError (@capstan/checkpoint) naming its PID.
   */
  stateDir: string;
  stateLockTimeoutMs?: number;
  logger?: Logger;
  /** Reported by RuntimeConfig. Default cgroupfs. */
  cgroupDriver?: 'cgroupfs' | 'systemd';
  /** Prometheus registry for the per-method latency histogram (a new one by default). */
  registry?: Registry;
  /**
   * The streaming server behind Exec, Attach and PortForward, started when the backend
   * implements any of its streaming methods (default: loopback, any free port); `false`
   * leaves those RPCs UNIMPLEMENTED and opens no port.
   */
  streaming?: StreamingOptions | false;
}

/** The CRI core: handlers for both services, recovery, metrics. */
export interface RuntimeService {
  runtime: Partial<RuntimeServiceHandlers>;
  image: Partial<ImageServiceHandlers>;
  /** Reconciles checkpointed state with the runtime; call once before serving. */
  recover(): Promise<RecoveryReport>;
  registry: Registry;
  /** Feed for CriServerOptions.onCall: logs and times every call. */
  onCall: ReturnType<typeof callObserver>;
  /** Counts of what the server holds (for tests and /metrics). */
  counts(): { sandboxes: number; containers: number };
  /** Base URL of the streaming server (`http://127.0.0.1:<port>`), when one runs. */
  streamingUrl: string | undefined;
  /** Closes the streaming server (ending its sessions) and releases the state directory. Idempotent. */
  close(): Promise<void>;
}

export async function createRuntimeService(
  options: RuntimeServiceOptions,
): Promise<RuntimeService> {
  const logger = options.logger ?? silentLogger;
  mkdirSync(options.stateDir, { recursive: true });
  const core: Core = {
    store: await StateStore.open(options.stateDir, logger, options.stateLockTimeoutMs),
    names: new NameRegistrar(),
    backend: options.backend,
    network: options.network,
    logger,
    locks: new KeyedMutex(),
    events: newEvents(),
  };
  const images = new ImageOps(options.backend.images);
  const registry = options.registry ?? new PromRegistry();
  const b = options.backend;
  const streaming =
    options.streaming === false ? undefined : await startStreaming(core, options.streaming ?? {});

  // One line per RPC; each lives in the file named after it (containerd's layout).
  const runtime: Partial<RuntimeServiceHandlers> = {
    version: () => version(b),
    status: async () => ({ status: await runtimeStatus(core) }),
    runtimeConfig: () => runtimeConfig(options.cgroupDriver),
    updateRuntimeConfig: () => ({}),
    runPodSandbox: async (req) => ({ podSandboxId: await runPodSandbox(core, req) }),
    stopPodSandbox: async (req) => {
      await stopPodSandbox(core, req.podSandboxId);
      return {};
    },
    removePodSandbox: async (req) => {
      await removePodSandbox(core, req.podSandboxId);
      return {};
    },
    podSandboxStatus: async (req) => ({ status: await podSandboxStatus(core, req.podSandboxId) }),
    listPodSandbox: async (req) => ({ items: await listPodSandbox(core, req.filter) }),
    createContainer: async (req) => ({ containerId: await createContainer(core, req) }),
    startContainer: async (req) => {
      await startContainer(core, req.containerId);
      return {};
    },
    stopContainer: async (req) => {
      await stopContainer(core, req.containerId, Number(req.timeout));
      return {};
    },
    removeContainer: async (req) => {
      await removeContainer(core, req.containerId);
      return {};
    },
    containerStatus: async (req) => ({ status: await containerStatus(core, req.containerId) }),
    listContainers: async (req) => ({ containers: await listContainers(core, req.filter) }),
    updateContainerResources: async (req) => {
      await updateContainerResources(core, req);
      return {};
    },
    reopenContainerLog: async (req) => {
      await reopenContainerLog(core, req.containerId);
      return {};
    },
    execSync: (req) => execSync(core, req),
    containerStats: async (req) => ({ stats: await containerStats(core, req.containerId) }),
    listContainerStats: async (req) => ({ stats: await listContainerStats(core, req.filter) }),
    podSandboxStats: async (req) => ({ stats: await podSandboxStats(core, req.podSandboxId) }),
    listPodSandboxStats: async (req) => ({ stats: await listPodSandboxStats(core, req.filter) }),
    getContainerEvents: (_req, ctx) => eventStream(core, ctx.signal),
    ...streaming?.handlers,
  };

  const image: Partial<ImageServiceHandlers> = {
    pullImage: async (req) => ({ imageRef: await images.pull(req.image?.image ?? '', req.auth) }),
    imageStatus: async (req) => {
      const img = await images.status(req.image?.image ?? '');
      return img ? { image: img } : {};
    },
    listImages: async (req) => ({ images: await images.list(req.filter) }),
    removeImage: async (req) => {
      await images.remove(req.image?.image ?? '');
      return {};
    },
    imageFsInfo: async () => ({ imageFilesystems: await images.fsInfo() }),
  };

  let closing: Promise<void> | undefined;
  return {
    runtime,
    image,
    recover: () => recover(core),
    registry,
    onCall: callObserver(registry, logger),
    counts: () => ({
      sandboxes: core.store.sandboxes.size,
      containers: core.store.containers.size,
    }),
    streamingUrl: streaming?.url,
    close: async () => {
      closing ??= (streaming?.close() ?? Promise.resolve()).then(() => core.store.close());
      await closing;
    },
  };
}

/**
 * Serves a RuntimeService over CRI on `endpoint` (both runtime.v1 and v1alpha2). Closing
 * the returned server (or a signal, with `closeOnSignals`) also closes the service's
 * streaming server.
 */
export async function serveRuntime(service: RuntimeService, endpoint: string): Promise<CriServer> {
  const server = createCriServer({
    runtime: service.runtime,
    image: service.image,
    onCall: service.onCall,
  });
  await server.listen(endpoint);
  return {
    ...server,
    // closeOnSignals calls `this.close`: this one.
    close: async (graceMs?: number) => {
      try {
        await server.close(graceMs);
      } finally {
        await service.close();
      }
    },
  };
}
