import { mkdirSync } from 'node:fs';
import {
  CgroupDriver,
  ContainerState,
  type CriServer,
  createCriServer,
  type ImageServiceHandlers,
  InvalidArgumentError,
  PodSandboxState,
  type RuntimeServiceHandlers,
  UnimplementedError,
} from '@capstan/cri-api';
import type { Registry } from 'prom-client';
import type { PodNetwork, RuntimeBackend } from './backend.js';
import {
  containerStatus,
  createContainer,
  listContainers,
  removeContainer,
  requireContainer,
  requireRunning,
  startContainer,
  stopContainer,
} from './container-ops.js';
import { type Core, type LifecycleEvent, newEvents } from './core.js';
import { requireId } from './ids.js';
import { ImageOps } from './image-ops.js';
import { KeyedMutex } from './keyed-mutex.js';
import { type Logger, silentLogger } from './logger.js';
import { callObserver, Registry as PromRegistry } from './metrics.js';
import { NameRegistrar } from './names.js';
import { type RecoveryReport, recover } from './recovery.js';
import {
  listPodSandbox,
  podSandboxStatus,
  removePodSandbox,
  runPodSandbox,
  stopPodSandbox,
} from './sandbox-ops.js';
import { StateStore } from './state-store.js';
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

  const runtime: Partial<RuntimeServiceHandlers> = {
    version: () => ({
      version: '0.1.0',
      runtimeName: b.runtimeName,
      runtimeVersion: b.runtimeVersion,
      runtimeApiVersion: 'v1',
    }),
    status: async () => {
      const net = core.network?.ready() ?? {
        ready: false,
        reason: 'NetworkPluginNotReady',
        message: 'no pod network is configured',
      };
      const conditions = [
        ...(await b.status()),
        {
          type: 'NetworkReady',
          status: net.ready,
          reason: net.reason ?? '',
          message: net.message ?? '',
        },
      ];
      return { status: { conditions } };
    },
    runtimeConfig: () => ({
      linux: {
        cgroupDriver:
          options.cgroupDriver === 'systemd' ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS,
      },
    }),
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
      const c = requireContainer(core, req.containerId);
      if (req.linux) {
        await b.updateContainerResources(c, req.linux);
        c.config.linux = { ...(c.config.linux ?? ({} as never)), resources: req.linux };
        await core.store.putContainer(c);
      }
      return {};
    },
    reopenContainerLog: async (req) => {
      await b.reopenContainerLog(await requireRunning(core, req.containerId, 'ReopenContainerLog'));
      return {};
    },
    execSync: async (req) => {
      if (req.cmd.length === 0) throw new InvalidArgumentError('ExecSync: cmd is empty');
      const c = await requireRunning(core, req.containerId, 'ExecSync');
      return b.execSync(c, req.cmd, Number(req.timeout));
    },
    containerStats: async (req) => {
      if (!b.containerStats)
        throw new UnimplementedError('ContainerStats is not supported by this runtime');
      return { stats: await b.containerStats(requireContainer(core, req.containerId)) };
    },
    listContainerStats: async (req) => {
      if (!b.containerStats)
        throw new UnimplementedError('ListContainerStats is not supported by this runtime');
      // Stats are of running containers, selected by the same rules as ListContainers.
      const running = { state: { state: ContainerState.CONTAINER_RUNNING } };
      const ids = (
        await listContainers(core, {
          id: '',
          podSandboxId: '',
          labelSelector: {},
          ...req.filter,
          ...running,
        })
      ).map((c) => c.id!);
      return {
        stats: await Promise.all(
          ids.map((id) => b.containerStats!(core.store.containers.get(id)!)),
        ),
      };
    },
    podSandboxStats: async (req) => {
      if (!b.sandboxStats)
        throw new UnimplementedError('PodSandboxStats is not supported by this runtime');
      const s = core.store.sandboxes.get(
        requireId(core.store.sandboxes.keys(), req.podSandboxId, 'pod sandbox'),
      )!;
      return { stats: await b.sandboxStats(s, core.store.containersOf(s.id)) };
    },
    listPodSandboxStats: async (req) => {
      if (!b.sandboxStats)
        throw new UnimplementedError('ListPodSandboxStats is not supported by this runtime');
      const ready = { state: { state: PodSandboxState.SANDBOX_READY } };
      const pods = await listPodSandbox(core, {
        id: '',
        labelSelector: {},
        ...req.filter,
        ...ready,
      });
      return {
        stats: await Promise.all(
          pods.map((p) =>
            b.sandboxStats!(core.store.sandboxes.get(p.id!)!, core.store.containersOf(p.id!)),
          ),
        ),
      };
    },
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

async function* eventStream(core: Core, signal: AbortSignal) {
  const queue: LifecycleEvent[] = [];
  let wake: (() => void) | undefined;
  const onEvent = (e: LifecycleEvent) => {
    queue.push(e);
    wake?.();
  };
  core.events.on('event', onEvent);
  signal.addEventListener('abort', () => wake?.(), { once: true });
  try {
    while (!signal.aborted) {
      const e = queue.shift();
      if (e) {
        yield { containerId: e.containerId, containerEventType: e.type, createdAt: e.createdAt };
        continue;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    core.events.off('event', onEvent);
  }
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
