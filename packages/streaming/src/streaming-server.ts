import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import {
  type AttachRequest,
  type AttachResponse,
  type ExecRequest,
  type ExecResponse,
  FailedPreconditionError,
  type PortForwardRequest,
  type PortForwardResponse,
} from '@capstan/cri-api';
import { WebSocketServer } from 'ws';
import { isSpdyUpgrade, isWebSocketUpgrade, writeHttpError } from './http-upgrade.js';
import { noopLogger, type StreamingLogger } from './streaming-logger.js';
import {
  type PendingRequest,
  parseStreamingPath,
  pendingAttach,
  pendingExec,
  pendingPortForward,
} from './streaming-requests.js';
import type { StreamingRuntime } from './streaming-runtime.js';
import {
  type SessionEvent,
  type UpgradeContext,
  upgradeSpdy,
  upgradeWebSocket,
} from './streaming-upgrade.js';
import { TokenStore } from './token-store.js';

/** Options of {@link createStreamingServer}. */
export interface StreamingServerOptions {
  /** The runtime whose containers the URLs reach. */
  runtime: StreamingRuntime;
  /** Address to listen on. Default `127.0.0.1`: streaming URLs stay on the node. */
  address?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** Serve HTTPS with this key and certificate (URLs become `https://`). */
  tls?: SecureContextOptions & Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'>;
  /**
   * Base of the URLs handed out, e.g. when the server is embedded in another HTTP server
   * (see {@link StreamingServer.handleUpgrade}) or reached through a proxy. Default: the
   * listening address.
   */
  baseUrl?: string;
  /** How long a URL stays valid. Default 60 s. */
  tokenTtlMs?: number;
  /** URLs outstanding at once before getExec and friends throw RESOURCE_EXHAUSTED. Default 1000. */
  maxInFlightTokens?: number;
  /** Close a session after this long without traffic. Default 4 h (the kubelet's). */
  streamIdleTimeoutMs?: number;
  /** How long a SPDY client may take to open its streams. Default 30 s. */
  streamCreationTimeoutMs?: number;
  /** remotecommand versions offered over SPDY (default v5..v1; v5 acts as v4 on SPDY). */
  remoteCommandProtocols?: readonly string[];
  logger?: StreamingLogger;
  /** Called when a session starts and when it ends (for metrics and tests). */
  onSession?: (event: SessionEvent) => void;
}

/**
 * The kubelet's CRI streaming server (`k8s.io/kubelet/pkg/cri/streaming`): hands out
 * single-use, expiring URLs for Exec, Attach and PortForward requests and serves them over
 * SPDY/3.1 and WebSocket, calling the {@link StreamingRuntime} for the actual work.
 */
export class StreamingServer {
  private readonly opts: StreamingServerOptions;
  private readonly log: StreamingLogger;
  private readonly tokens: TokenStore<PendingRequest>;
  private readonly wss: WebSocketServer;
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string>();
  private readonly sockets = new Set<Duplex>();
  private http: Server | undefined;
  private base: string | undefined;

  constructor(opts: StreamingServerOptions) {
    this.opts = opts;
    this.log = opts.logger ?? noopLogger;
    this.tokens = new TokenStore({
      ...(opts.tokenTtlMs === undefined ? {} : { ttlMs: opts.tokenTtlMs }),
      ...(opts.maxInFlightTokens === undefined ? {} : { maxInFlight: opts.maxInFlightTokens }),
    });
    this.base = opts.baseUrl?.replace(/\/+$/, '');
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: 16 * 1024 * 1024,
      clientTracking: false,
      handleProtocols: (_protocols, req) => this.chosenProtocol.get(req) ?? false,
    });
  }

  /** The base the URLs are built on (after `listen()`, or `baseUrl`). */
  get baseUrl(): string | undefined {
    return this.base;
  }

  /** Connections currently upgraded (sessions in progress). */
  get activeSessions(): number {
    return this.sockets.size;
  }

  /** URLs handed out and not yet used or expired. */
  get outstandingUrls(): number {
    return this.tokens.size;
  }

  /** Starts listening; resolves with the base URL. */
  async listen(): Promise<string> {
    if (this.http) throw new FailedPreconditionError('streaming server is already listening');
    const onRequest = (req: IncomingMessage, res: ServerResponse) => this.handleRequest(req, res);
    const http = this.opts.tls
      ? createHttpsServer(this.opts.tls, onRequest)
      : createHttpServer(onRequest);
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.handleUpgrade(req, socket, head),
    );
    http.on('clientError', (_err, socket: Duplex) => socket.destroy());
    const address = this.opts.address ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.opts.port ?? 0, address, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.http = http;
    if (this.base === undefined) {
      const { port } = http.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      this.base = `${this.opts.tls ? 'https' : 'http'}://${host}:${port}`;
    }
    this.log.info?.({ url: this.base }, 'streaming server listening');
    return this.base;
  }

  /** A URL for an Exec request (CRI ExecResponse). Throws INVALID_ARGUMENT on a bad request. */
  getExec(req: Partial<ExecRequest>): ExecResponse {
    return { url: this.urlFor(pendingExec(req)) };
  }

  /** A URL for an Attach request (CRI AttachResponse). */
  getAttach(req: Partial<AttachRequest>): AttachResponse {
    return { url: this.urlFor(pendingAttach(req)) };
  }

  /** A URL for a PortForward request (CRI PortForwardResponse). */
  getPortForward(req: Partial<PortForwardRequest>): PortForwardResponse {
    return { url: this.urlFor(pendingPortForward(req)) };
  }

  /**
   * Answers a plain (non-upgrade) HTTP request: streaming URLs need an upgrade, so a known
   * token gets 400 (and is used up, as with the kubelet), anything else 404.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const match = parseStreamingPath(req.url);
    const pending = match && this.tokens.consume(match.token);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (!match || !pending || pending.kind !== match.kind) {
      res.writeHead(404).end('404 page not found\n');
      return;
    }
    res.writeHead(400).end('unable to upgrade: missing upgrade headers in request\n');
  }

  /**
   * Serves an HTTP upgrade (SPDY/3.1 or WebSocket) of a streaming URL. Call it from another
   * server's 'upgrade' event to embed this one (set `baseUrl` then).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) =>
      this.log.debug?.({ err: err.message }, 'streaming connection error'),
    );
    const match = parseStreamingPath(req.url);
    if (!match) {
      writeHttpError(socket, 404, '404 page not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      writeHttpError(socket, 405, `method ${req.method} not allowed`);
      return;
    }
    const pending = this.tokens.consume(match.token);
    if (!pending || pending.kind !== match.kind) {
      writeHttpError(socket, 404, '404 page not found');
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const ctx: UpgradeContext = {
      runtime: this.opts.runtime,
      log: this.log,
      idleTimeoutMs: this.opts.streamIdleTimeoutMs ?? 4 * 60 * 60 * 1000,
      creationTimeoutMs: this.opts.streamCreationTimeoutMs ?? 30_000,
      ...(this.opts.remoteCommandProtocols
        ? { remoteCommandProtocols: this.opts.remoteCommandProtocols }
        : {}),
      onSession: (event) => {
        try {
          this.opts.onSession?.(event);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'onSession hook threw');
        }
      },
      wss: this.wss,
      chooseProtocol: (r, p) => this.chosenProtocol.set(r, p),
      query: match.query,
    };
    if (isWebSocketUpgrade(req)) {
      upgradeWebSocket(ctx, pending, req, socket, head);
      return;
    }
    if (isSpdyUpgrade(req)) {
      upgradeSpdy(ctx, pending, req, socket, head);
      return;
    }
    writeHttpError(socket, 400, 'unable to upgrade: missing upgrade headers in request');
  }

  /** Stops listening, ends every session and forgets every URL. */
  async close(): Promise<void> {
    this.tokens.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const http = this.http;
    this.http = undefined;
    if (http) {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
  }

  private urlFor(pending: PendingRequest): string {
    if (this.base === undefined) {
      throw new FailedPreconditionError('streaming server is not listening and has no baseUrl');
    }
    return `${this.base}/${pending.kind}/${this.tokens.insert(pending)}`;
  }
}

/** Creates a {@link StreamingServer}; call `listen()` (or embed it with `handleUpgrade`). */
export function createStreamingServer(opts: StreamingServerOptions): StreamingServer {
  return new StreamingServer(opts);
}

export type { SessionEvent } from './streaming-upgrade.js';
