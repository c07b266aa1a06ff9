import { chmod, lstat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server as NetServer } from 'node:net';
import {
  AlreadyExistsError,
  CancelledError,
  DeadlineExceededError,
  type ErrorKind,
  FailedPreconditionError,
} from '@capstan/errdefs';
import {
  type ConnectionInjector,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './client.js';
import { type CriEndpoint, parseEndpoint } from './endpoint.js';
import { kindOfGrpcStatus, toServiceError } from './errors.js';
import { rewriteAuthority } from './h2-authority.js';
import {
  type CallContext,
  CRI_API_VERSIONS,
  type CriApiVersion,
  grpcServiceDefinition,
  type ImageServiceHandlers,
  type RuntimeServiceHandlers,
  SERVICES,
  UndecodableRequest,
} from './service-def.js';

/** What {@link CriServerOptions.onCall} hears after every RPC. */
export interface CallRecord {
  path: string;
  apiVersion: CriApiVersion;
  durationMs: number;
  /** The gRPC status answered (for metric labels; branch on `kind`). */
  code: status;
  /** The kind of the failure; absent when the call succeeded. */
  kind?: ErrorKind;
  error?: unknown;
}

/** Options of {@link createCriServer}. */
export interface CriServerOptions {
  runtime?: Partial<RuntimeServiceHandlers>;
  image?: Partial<ImageServiceHandlers>;
  /** Package names to serve. Default both `v1` and `v1alpha2`. */
  apiVersions?: readonly CriApiVersion[];
  /** Largest message accepted or sent, in bytes. Default 16 MiB (the kubelet's limit). */
  maxMessageBytes?: number;
  /** Mode of a unix socket endpoint. Default 0o660. */
  socketMode?: number;
  /** Called once per finished RPC: the one place to log and time calls. */
  onCall?: (record: CallRecord) => void;
}

/** A CRI gRPC server; unimplemented RPCs answer UNIMPLEMENTED. */
export interface CriServer {
  /** Starts listening; for a unix socket, replaces a stale socket file, refuses a live one. */
  listen(endpoint: string): Promise<CriEndpoint>;
  /** Stops accepting, lets calls in flight finish for up to graceMs, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
  /** Closes gracefully on the given signals (default SIGTERM and SIGINT); returns an undo. */
  closeOnSignals(signals?: NodeJS.Signals[], graceMs?: number): () => void;
}

export function createCriServer(options: CriServerOptions): CriServer {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const grpcServer = new Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
  });
  for (const version of options.apiVersions ?? CRI_API_VERSIONS) {
    for (const service of Object.keys(SERVICES) as (keyof typeof SERVICES)[]) {
      const handlers = (service === 'runtime' ? options.runtime : options.image) ?? {};
      const def = grpcServiceDefinition(service, version);
      const impl: UntypedServiceImplementation = {};
      for (const [key, method] of Object.entries(def)) {
        const handler = (handlers as Record<string, Handler | undefined>)[key];
        if (!handler) continue; // grpc-js answers UNIMPLEMENTED for methods left out
        impl[key] = method.responseStream
          ? streamingCall(handler as StreamHandler, method.path, version, options.onCall)
          : unaryCall(handler as UnaryHandler, method.path, version, options.onCall);
      }
      grpcServer.addService(def, impl);
    }
  }

  const credentialsInsecure = ServerCredentials.createInsecure();
  let injector: ConnectionInjector | undefined;
  const listeners: { net: NetServer; endpoint: CriEndpoint }[] = [];
  let closing: Promise<void> | undefined;

  return {
    async listen(endpointText) {
      const endpoint = parseEndpoint(endpointText);
      if (endpoint.kind === 'unix') await removeStaleSocket(endpoint.path);
      injector ??= grpcServer.createConnectionInjector(credentialsInsecure);
      const conns = injector;
      const net = createServer((socket) => conns.injectConnection(rewriteAuthority(socket)));
      await new Promise<void>((resolve, reject) => {
        net.once('error', reject);
        if (endpoint.kind === 'unix') net.listen(endpoint.path, resolve);
        else net.listen(endpoint.port, endpoint.host, resolve);
      });
      if (endpoint.kind === 'unix') await chmod(endpoint.path, options.socketMode ?? 0o660);
      else {
        const addr = net.address();
        if (addr && typeof addr === 'object') endpoint.port = addr.port;
        endpoint.uri = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
      }
      listeners.push({ net, endpoint });
      return endpoint;
    },
    close(graceMs = 5000) {
      closing ??= (async () => {
        // Stop accepting at once; Node reports a listener closed only once its connections
        // are gone, so wait for that after the calls in flight are drained, not before.
        // Closing a unix listener also removes its socket file.
        const closed = Promise.all(
          listeners.map(({ net }) => new Promise<void>((resolve) => net.close(() => resolve()))),
        );
        injector?.drain(graceMs);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            grpcServer.forceShutdown();
            resolve();
          }, graceMs);
          grpcServer.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        injector?.destroy();
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
      })();
      return closing;
    },
    closeOnSignals(signals = ['SIGTERM', 'SIGINT'], graceMs) {
      const onSignal = () => void this.close(graceMs);
      for (const s of signals) process.once(s, onSignal);
      return () => {
        for (const s of signals) process.off(s, onSignal);
      };
    },
  };
}

type UnaryHandler = (req: unknown, ctx: CallContext) => unknown;
type StreamHandler = (req: unknown, ctx: CallContext) => AsyncIterable<unknown>;
type Handler = UnaryHandler | StreamHandler;

function contextOf(
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  path: string,
  apiVersion: CriApiVersion,
): CallContext {
  const controller = new AbortController();
  const deadline = call.getDeadline();
  call.on('cancelled', () => {
    // The caller's own deadline timer usually fires a little before the server's; a cancel
    // that arrives within 100 ms of the deadline is that deadline passing.
    const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
    const expired = Number.isFinite(at) && at <= Date.now() + 100;
    controller.abort(
      expired
        ? new DeadlineExceededError(`${path}: the caller's deadline passed`)
        : new CancelledError(`${path}: cancelled by the caller`),
    );
  });
  return {
    path,
    apiVersion,
    metadata: call.metadata,
    signal: controller.signal,
    deadline:
      deadline instanceof Date
        ? deadline
        : Number.isFinite(deadline)
          ? new Date(deadline)
          : undefined,
  };
}

function badRequest(path: string, req: UndecodableRequest) {
  const why = req.error instanceof Error ? req.error.message : String(req.error);
  return { code: status.INVALID_ARGUMENT, details: `${path}: request does not decode: ${why}` };
}

function unaryCall(
  handler: UnaryHandler,
  path: string,
  apiVersion: CriApiVersion,
  onCall: CriServerOptions['onCall'],
) {
  return async (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const started = performance.now();
    const done = (code: status, error?: unknown) =>
      onCall?.({
        path,
        apiVersion,
        durationMs: performance.now() - started,
        code,
        ...(code === status.OK ? {} : { kind: kindOfGrpcStatus(code) }),
        ...(error === undefined ? {} : { error }),
      });
    if (call.request instanceof UndecodableRequest) {
      const err = badRequest(path, call.request);
      done(err.code, call.request.error);
      callback(err);
      return;
    }
    try {
      const res = await handler(call.request, contextOf(call, path, apiVersion));
      done(status.OK);
      callback(null, res);
    } catch (error) {
      const err = toServiceError(error);
      done(err.code, error);
      callback(err);
    }
  };
}

function streamingCall(
  handler: StreamHandler,
  path: string,
  apiVersion: CriApiVersion,
  onCall: CriServerOptions['onCall'],
) {
  return async (call: ServerWritableStream<unknown, unknown>) => {
    const started = performance.now();
    const done = (code: status, error?: unknown) =>
      onCall?.({
        path,
        apiVersion,
        durationMs: performance.now() - started,
        code,
        ...(code === status.OK ? {} : { kind: kindOfGrpcStatus(code) }),
        ...(error === undefined ? {} : { error }),
      });
    if (call.request instanceof UndecodableRequest) {
      const err = badRequest(path, call.request);
      done(err.code, call.request.error);
      call.destroy(Object.assign(new Error(err.details), err));
      return;
    }
    const ctx = contextOf(call, path, apiVersion);
    try {
      for await (const message of handler(call.request, ctx)) {
        if (ctx.signal.aborted) break;
        if (!call.write(message)) await new Promise((r) => call.once('drain', r));
      }
      done(status.OK);
      call.end();
    } catch (error) {
      const err = toServiceError(error);
      done(err.code, error);
      call.destroy(Object.assign(new Error(err.details), err));
    }
  };
}

/** Removes a socket file nobody listens on; refuses to touch a live socket or a non-socket. */
async function removeStaleSocket(path: string): Promise<void> {
  let stat: Awaited<ReturnType<typeof lstat>>;
  try {
    stat = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isSocket()) {
    throw new FailedPreconditionError(
      `cannot listen on ${path}: the path exists and is not a socket; remove it yourself`,
    );
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) {
    throw new AlreadyExistsError(`cannot listen on ${path}: another server is listening there`);
  }
  await unlink(path);
}
