import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket, type WebSocketServer } from 'ws';
import { writeHttpError, writeSwitchingProtocols } from './http-upgrade.js';
import {
  type PortForwardTarget,
  SPDY_PORT_FORWARD_PROTOCOLS,
  servePortForwardSpdy,
} from './portforward-spdy.js';
import { servePortForwardWs } from './portforward-ws.js';
import type { RemoteCommandConnection } from './remotecommand-io.js';
import {
  Header,
  negotiateProtocol,
  PORT_FORWARD_PROTOCOL,
  parseProtocolList,
  RemoteCommandProtocol,
  SPDY_REMOTECOMMAND_PROTOCOLS,
  SPDY_TUNNEL_PREFIX,
  WS_PORT_FORWARD_PROTOCOLS,
  WS_REMOTECOMMAND_PROTOCOLS,
} from './remotecommand-protocol.js';
import { serveRemoteCommand } from './remotecommand-serve.js';
import { acceptSpdyRemoteCommand } from './remotecommand-spdy.js';
import { acceptWsRemoteCommand } from './remotecommand-ws.js';
import { SpdySession } from './spdy-session.js';
import type { StreamingLogger } from './streaming-logger.js';
import { type PendingRequest, portsFromQuery } from './streaming-requests.js';
import type { StreamingRuntime } from './streaming-runtime.js';

/** A session starting or ending, reported through `onSession`. */
export interface SessionEvent {
  phase: 'start' | 'end';
  kind: 'exec' | 'attach' | 'portforward';
  /** `spdy-over-websocket` is kubectl's port-forward tunnel (`SPDY/3.1+portforward.k8s.io`). */
  transport: 'spdy' | 'websocket' | 'spdy-over-websocket';
  /** The negotiated subprotocol ('' when a WebSocket client offered none). */
  protocol: string;
  /** The container (exec, attach) or pod sandbox (portforward). */
  target: string;
  /** With `end`: how long the session lasted. */
  durationMs?: number;
  /** With `end` of an exec: the exit code, when the runtime reported one. */
  exitCode?: number;
  /** With `end`: why the session failed, if it did. */
  error?: string;
}

/** What the upgrade handlers need from the server. */
export interface UpgradeContext {
  runtime: StreamingRuntime;
  log: StreamingLogger;
  idleTimeoutMs: number;
  creationTimeoutMs: number;
  remoteCommandProtocols?: readonly string[];
  onSession: (event: SessionEvent) => void;
  wss: WebSocketServer;
  chooseProtocol: (req: IncomingMessage, protocol: string) => void;
  query: URLSearchParams;
}

type Transport = SessionEvent['transport'];

function tracker(
  ctx: UpgradeContext,
  pending: PendingRequest,
  transport: Transport,
  protocol: string,
) {
  const target = pending.kind === 'portforward' ? pending.podSandboxId : pending.containerId;
  const started = performance.now();
  const base = { kind: pending.kind, transport, protocol, target };
  ctx.onSession({ phase: 'start', ...base });
  ctx.log.debug?.(base, 'streaming session started');
  return (extra: { exitCode?: number; error?: string } = {}) => {
    const event: SessionEvent = {
      phase: 'end',
      ...base,
      durationMs: performance.now() - started,
      ...extra,
    };
    ctx.log.debug?.({ ...event }, 'streaming session ended');
    ctx.onSession(event);
  };
}

/** Runs an exec/attach on an established connection and reports its end. */
function runRemoteCommand(
  ctx: UpgradeContext,
  pending: PendingRequest & { kind: 'exec' | 'attach' },
  conn: Promise<RemoteCommandConnection>,
  end: ReturnType<typeof tracker>,
): void {
  const target =
    pending.kind === 'exec'
      ? { kind: 'exec' as const, containerId: pending.containerId, cmd: pending.cmd }
      : { kind: 'attach' as const, containerId: pending.containerId };
  conn
    .then((c) => serveRemoteCommand(target, c, pending.flags, ctx.runtime, ctx.log))
    .then(
      (status) => {
        const code = status?.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
        const exitCode =
          status?.status === 'Success' ? 0 : code === undefined ? undefined : Number(code);
        end({
          ...(exitCode === undefined ? {} : { exitCode }),
          ...(status === undefined ? { error: 'client disconnected' } : {}),
        });
      },
      (err: Error) => {
        ctx.log.debug?.({ err: err.message }, 'remotecommand session failed');
        end({ error: err.message });
      },
    );
}

/** Serves a SPDY/3.1 upgrade: protocol negotiation, 101, then the session. */
export function upgradeSpdy(
  ctx: UpgradeContext,
  pending: PendingRequest,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const offered = parseProtocolList(req.headers['x-stream-protocol-version']);
  const supported =
    pending.kind === 'portforward'
      ? SPDY_PORT_FORWARD_PROTOCOLS
      : (ctx.remoteCommandProtocols ?? SPDY_REMOTECOMMAND_PROTOCOLS);
  let protocol: string | undefined;
  if (offered.length === 0) {
    // Clients from before protocol negotiation speak the first version.
    protocol = pending.kind === 'portforward' ? PORT_FORWARD_PROTOCOL : RemoteCommandProtocol.V1;
  } else {
    protocol = negotiateProtocol(offered, supported);
  }
  if (protocol === undefined) {
    writeHttpError(
      socket,
      403,
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`,
      { [Header.ACCEPTED_PROTOCOL_VERSIONS]: supported },
    );
    return;
  }
  writeSwitchingProtocols(socket, {
    Connection: 'Upgrade',
    Upgrade: 'SPDY/3.1',
    [Header.PROTOCOL_VERSION]: protocol,
  });
  const session = new SpdySession(socket, {
    role: 'server',
    head,
    idleTimeoutMs: ctx.idleTimeoutMs,
    logger: ctx.log,
  });
  startSpdy(ctx, pending, session, 'spdy', protocol);
}

function startSpdy(
  ctx: UpgradeContext,
  pending: PendingRequest,
  session: SpdySession,
  transport: Transport,
  protocol: string,
): void {
  const end = tracker(ctx, pending, transport, protocol);
  if (pending.kind === 'portforward') {
    const target: PortForwardTarget = { podSandboxId: pending.podSandboxId, ports: pending.ports };
    void servePortForwardSpdy(session, target, ctx.runtime, {
      creationTimeoutMs: ctx.creationTimeoutMs,
      logger: ctx.log,
    }).then(() => end());
    return;
  }
  runRemoteCommand(
    ctx,
    pending,
    acceptSpdyRemoteCommand(session, protocol, pending.flags, ctx.creationTimeoutMs),
    end,
  );
}

/** Serves a WebSocket upgrade: subprotocol choice, handshake (ws), then the session. */
export function upgradeWebSocket(
  ctx: UpgradeContext,
  pending: PendingRequest,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const offered = parseProtocolList(req.headers['sec-websocket-protocol']);
  const supported =
    pending.kind === 'portforward' ? WS_PORT_FORWARD_PROTOCOLS : WS_REMOTECOMMAND_PROTOCOLS;
  const protocol = offered.length === 0 ? '' : negotiateProtocol(offered, supported);
  if (protocol === undefined) {
    writeHttpError(
      socket,
      400,
      `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`,
    );
    return;
  }
  let ports: readonly number[] = [];
  if (pending.kind === 'portforward' && !protocol.startsWith(SPDY_TUNNEL_PREFIX)) {
    const fromQuery = portsFromQuery(ctx.query);
    if (typeof fromQuery === 'string') {
      writeHttpError(socket, 400, fromQuery);
      return;
    }
    ports = pending.ports.length > 0 ? pending.ports : fromQuery;
    if (ports.length === 0) {
      writeHttpError(socket, 400, 'query parameter "ports" is required');
      return;
    }
  }
  if (protocol !== '') {
    ctx.chooseProtocol(req, protocol);
    // ws refuses subprotocol names that are not HTTP tokens, and kubectl's tunnel
    // ("SPDY/3.1+portforward.k8s.io") has a '/': the choice is already made, so ws gets a
    // placeholder and answers with the real name (handleProtocols).
    req.headers['sec-websocket-protocol'] = 'chosen';
  }
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') {
    socket.setTimeout(ctx.idleTimeoutMs, () => socket.destroy());
  }
  ctx.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (pending.kind === 'portforward') {
      if (protocol.startsWith(SPDY_TUNNEL_PREFIX)) {
        // kubectl's tunnel: binary messages carry a SPDY byte stream.
        const tunnel = createWebSocketStream(ws);
        tunnel.on('error', () => {});
        const session = new SpdySession(tunnel, {
          role: 'server',
          idleTimeoutMs: ctx.idleTimeoutMs,
          logger: ctx.log,
        });
        startSpdy(ctx, pending, session, 'spdy-over-websocket', PORT_FORWARD_PROTOCOL);
        return;
      }
      const end = tracker(ctx, pending, 'websocket', protocol);
      void servePortForwardWs(
        ws,
        protocol,
        { podSandboxId: pending.podSandboxId, ports },
        ctx.runtime,
        ctx.log,
      ).then(
        () => end(),
        (err: Error) => end({ error: err.message }),
      );
      return;
    }
    const end = tracker(ctx, pending, 'websocket', protocol);
    runRemoteCommand(
      ctx,
      pending,
      Promise.resolve(acceptWsRemoteCommand(ws, protocol, pending.flags, ctx.log)),
      end,
    );
  });
}
