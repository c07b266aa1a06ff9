import {
  type AttachRequest,
  type AttachResponse,
  type ExecRequest,
  type ExecResponse,
  InvalidArgumentError,
  type PortForwardRequest,
  type PortForwardResponse,
  type RuntimeServiceHandlers,
} from '@capstan/cri-api';
import {
  createStreamingServer,
  type StreamingRuntime,
  type StreamingServer,
  type StreamingServerOptions,
} from '@capstan/streaming';
import { requireRunning } from './container-state.js';
import type { Core } from './core.js';
import { requireReadySandbox } from './sandbox-status.js';

/** How the server's streaming server (Exec, Attach, PortForward URLs) listens. */
export interface StreamingOptions {
  /**
   * `host:port` (or `[v6]:port`, or a bare host for any free port) to listen on. Default
   * `127.0.0.1:0`: loopback, any free port. The URLs are for the kubelet on this node; put
   * them beyond the node only with `tls`.
   */
  address?: string;
  /** Serve HTTPS with this key and certificate (the URLs become `https://`). */
  tls?: StreamingServerOptions['tls'];
  /** How long a URL stays valid (each works once). Default 60 s. */
  tokenTtlMs?: number;
  /** Base of the URLs handed out, when clients reach the server by another address (a proxy). */
  baseUrl?: string;
  /** Close a session after this long without traffic. Default 4 h (the kubelet's). */
  streamIdleTimeoutMs?: number;
}

/** `host:port`, `[v6]:port` or `host` (port 0) -> parts. INVALID_ARGUMENT when malformed. */
export function parseStreamingAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(address);
  const port = Number(m?.[3] ?? 0);
  if (!m || port > 65_535) {
    throw new InvalidArgumentError(
      `streaming address ${JSON.stringify(address)}: expected host:port, [ipv6]:port or host`,
    );
  }
  return { host: m[1] ?? m[2]!, port };
}

/**
 * The backend's optional streaming methods as @capstan/streaming's StreamingRuntime: a URL
 * carries the full ID resolved when it was handed out, and the container (or sandbox) is
 * checked again when the URL is used, since it may have stopped in between.
 */
function streamingRuntime(core: Core): StreamingRuntime {
  const b = core.backend;
  return {
    exec: async (containerId, cmd, io) =>
      b.exec!(await requireRunning(core, containerId, 'Exec'), cmd, io),
    attach: async (containerId, io) =>
      b.attach!(await requireRunning(core, containerId, 'Attach'), io),
    portForward: async (podSandboxId, port, stream, signal) =>
      b.portForward!(
        await requireReadySandbox(core, podSandboxId, 'PortForward'),
        port,
        stream,
        signal,
      ),
  };
}

/** The Exec, Attach and PortForward handlers and the streaming server behind them. */
export interface Streaming {
  /** Handlers for the RPCs the backend supports (the others stay UNIMPLEMENTED). */
  handlers: Partial<Pick<RuntimeServiceHandlers, 'exec' | 'attach' | 'portForward'>>;
  /** Base of the URLs (`http://127.0.0.1:<port>`). */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the streaming server when the backend implements any streaming method (undefined
 * otherwise). Each RPC first checks the server's state, as containerd does (unknown
 * container or sandbox: NOT_FOUND; container not running or sandbox not ready:
 * FAILED_PRECONDITION), then the streaming server validates the request as the kubelet's
 * does (INVALID_ARGUMENT: no stream asked for, tty with stderr, empty cmd, bad ports) and
 * hands out a single-use URL.
 */
export async function startStreaming(
  core: Core,
  options: StreamingOptions,
): Promise<Streaming | undefined> {
  const b = core.backend;
  if (!b.exec && !b.attach && !b.portForward) return undefined;
  const { host, port } = parseStreamingAddress(options.address ?? '127.0.0.1:0');
  const server: StreamingServer = createStreamingServer({
    runtime: streamingRuntime(core),
    address: host,
    port,
    logger: core.logger,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.tokenTtlMs !== undefined ? { tokenTtlMs: options.tokenTtlMs } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.streamIdleTimeoutMs !== undefined
      ? { streamIdleTimeoutMs: options.streamIdleTimeoutMs }
      : {}),
  });
  const url = await server.listen();
  const exec = async (req: ExecRequest): Promise<ExecResponse> => {
    const c = await requireRunning(core, req.containerId, 'Exec');
    return server.getExec({ ...req, containerId: c.id });
  };
  const attach = async (req: AttachRequest): Promise<AttachResponse> => {
    const c = await requireRunning(core, req.containerId, 'Attach');
    return server.getAttach({ ...req, containerId: c.id });
  };
  const portForward = async (req: PortForwardRequest): Promise<PortForwardResponse> => {
    const s = await requireReadySandbox(core, req.podSandboxId, 'PortForward');
    return server.getPortForward({ ...req, podSandboxId: s.id });
  };
  const handlers: Streaming['handlers'] = {
    ...(b.exec ? { exec } : {}),
    ...(b.attach ? { attach } : {}),
    ...(b.portForward ? { portForward } : {}),
  };
  return { handlers, url, close: () => server.close() };
}
