import { createHash, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { answerClientErrors, hostHeaderMissing, serverLimits } from './api-client-guard.js';
import type { ApiContext } from './api-context.js';
import {
  API_GROUP_LIST,
  API_RESOURCE_LIST,
  apiVersions,
  DEFAULT_API_VERSION,
  EVENTS_API_GROUP,
  EVENTS_API_RESOURCE_LIST,
  versionInfo,
} from './api-discovery.js';
import { handleEvents } from './api-events.js';
import { Query, sendJson, sendStatus } from './api-http.js';
import { writeKubeconfigFile } from './api-kubeconfig.js';
import { isLoopbackHost, listenTcp, listenUnix, urlHost } from './api-listen.js';
import { silentLogger } from './api-logger.js';
import { handleLogs } from './api-logs.js';
import { handleMetrics, METRICS_API_GROUP } from './api-metrics.js';
import { handleNamespaces, handleNodes } from './api-nodes.js';
import {
  OPENAPI_V2_JSON,
  OPENAPI_V2_PROTOBUF,
  OPENAPI_V2_PROTOBUF_ACCEPT,
  OPENAPI_V2_PROTOBUF_TYPE,
  OPENAPI_V3_DOCS,
  openapiV3Root,
} from './api-openapi.js';
import {
  DEFAULT_POD_API_SOCKET,
  type PodApi,
  type PodApiAddress,
  type PodApiOptions,
  type PodApiTcpOptions,
} from './api-options.js';
import { handlePod, handlePods } from './api-pods.js';
import { type Route, routeOf } from './api-router.js';
import { ApiStatusError, badRequest, methodNotAllowed, pathNotFound } from './api-status.js';
import { proxyUpgrade, streamTargetOf, writeRawStatus } from './api-stream-proxy.js';
import { generateSelfSignedCertificate } from './api-tls.js';

type Transport = 'unix' | 'tcp';

/**
 * A Kubernetes REST server for one node's pods over a {@link PodManager}: enough of
 * core/v1 (discovery, pods with watch/log/exec/attach/port-forward, nodes, namespaces)
 * that kubectl 1.27 to 1.33 work against it. Off unless the agent creates it; a unix
 * socket by default, loopback TCP with a bearer token when asked.
 */
export function createPodApi(options: PodApiOptions): PodApi {
  const { tcp } = options;
  if (tcp) {
    if (!isLoopbackHost(tcp.host)) {
      throw new Error(
        `pod API: tcp.host "${tcp.host}" is not a loopback address; the pod API only listens on loopback`,
      );
    }
    if (!tcp.token)
      throw new Error('pod API: tcp.token is empty; the TCP listener needs a bearer token');
  }
  const unixSocket = options.unixSocket ?? (tcp ? undefined : DEFAULT_POD_API_SOCKET);
  const version = options.kubernetesVersion ?? DEFAULT_API_VERSION;
  const ctx: ApiContext = {
    manager: options.manager,
    ...(options.events ? { events: options.events } : {}),
    nodeName: options.nodeName,
    logger: options.logger ?? silentLogger,
    streams: new Set(),
    sockets: new Set(),
    maxWatchSeconds: options.maxWatchSeconds ?? 1800,
    ...(options.streamTls ? { streamTls: options.streamTls } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const tls = tcp
    ? (tcp.tls ??
      generateSelfSignedCertificate({
        commonName: `capstan-pod-api@${options.nodeName}`,
        hosts: [tcp.host],
      }))
    : undefined;
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const tokenDigest = tcp ? createHash('sha256').update(tcp.token).digest() : undefined;
  const authorized = (req: IncomingMessage, transport: Transport): boolean => {
    if (transport === 'unix') return true;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m || !tokenDigest) return false;
    return timingSafeEqual(
      createHash('sha256')
        .update(m[1] as string)
        .digest(),
      tokenDigest,
    );
  };
  const unauthorized = () => new ApiStatusError(401, 'Unauthorized', 'Unauthorized');

  const dispatch = async (
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    query: Query,
  ) => {
    const get = (body: () => unknown) => {
      if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'this path');
      sendJson(res, 200, body());
    };
    switch (route.kind) {
      case 'version':
        return get(() => versionInfo(version));
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      case 'api':
        return get(() => apiVersions(req.headers.host ?? ''));
      case 'apiV1':
        return get(() => API_RESOURCE_LIST);
      case 'apis':
        return get(() =>
          ctx.metrics
            ? { ...API_GROUP_LIST, groups: [...API_GROUP_LIST.groups, METRICS_API_GROUP] }
            : API_GROUP_LIST,
        );
      case 'openapiV2': {
        if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'this path');
        const accept = req.headers.accept ?? '';
        const pb =
          accept.includes(OPENAPI_V2_PROTOBUF_ACCEPT) || accept.includes(OPENAPI_V2_PROTOBUF_TYPE);
        const body = pb ? OPENAPI_V2_PROTOBUF : OPENAPI_V2_JSON;
        res.writeHead(200, {
          'Content-Type': pb ? OPENAPI_V2_PROTOBUF_TYPE : 'application/json',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      case 'openapiV3':
        return get(openapiV3Root);
      case 'openapiV3Doc': {
        const doc = OPENAPI_V3_DOCS[route.groupVersion];
        if (doc === undefined) throw pathNotFound();
        if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'this path');
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Cache-Control': 'public, immutable',
        });
        res.end(doc);
        return;
      }
      case 'eventsGroup':
        return get(() => ({ kind: 'APIGroup', apiVersion: 'v1', ...EVENTS_API_GROUP }));
      case 'eventsV1':
        return get(() => EVENTS_API_RESOURCE_LIST);
      case 'events':
        return handleEvents(ctx, req, res, route.api, route.namespace, route.name, query);
      case 'pods':
        return handlePods(ctx, req, res, route.namespace, query);
      case 'pod':
        switch (route.sub) {
          case undefined:
          case 'status':
            return handlePod(
              ctx,
              req,
              res,
              route.namespace,
              route.name,
              route.sub === 'status',
              query,
            );
          case 'log':
            return handleLogs(ctx, req, res, route.namespace, route.name, query);
          default:
            throw badRequest('Upgrade request required');
        }
      case 'nodes':
      case 'node':
        return handleNodes(ctx, req, res, route.kind === 'node' ? route.name : undefined, query);
      case 'metrics':
        return handleMetrics(ctx, req, res, route.target, query);
      case 'namespaces':
      case 'namespace':
        return handleNamespaces(
          ctx,
          req,
          res,
          route.kind === 'namespace' ? route.name : undefined,
          query,
          startedAt,
        );
    }
  };

  const onRequest = (transport: Transport) => (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    res.once('close', () => {
      ctx.logger.debug?.(
        {
          method: req.method,
          url: req.url,
          code: res.statusCode,
          ms: Math.round(performance.now() - t0),
          transport,
        },
        'pod API request',
      );
    });
    void (async () => {
      try {
        const noHost = hostHeaderMissing(req);
        if (noHost) throw noHost;
        if (!authorized(req, transport)) throw unauthorized();
        const url = new URL(req.url ?? '/', 'http://pod-api');
        const route = routeOf(url.pathname);
        if (!route) throw pathNotFound();
        await dispatch(route, req, res, new Query(url.searchParams));
      } catch (err) {
        const status = sendStatus(res, err);
        if (status.code >= 500) {
          ctx.logger.warn(
            { method: req.method, url: req.url, err: status.message },
            'pod API request failed',
          );
        }
      }
    })();
  };

  const onUpgrade =
    (transport: Transport) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      ctx.sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => ctx.sockets.delete(socket));
      void (async () => {
        try {
          const noHost = hostHeaderMissing(req);
          if (noHost) throw noHost;
          if (!authorized(req, transport)) throw unauthorized();
          const url = new URL(req.url ?? '/', 'http://pod-api');
          const route = routeOf(url.pathname);
          if (!route) throw pathNotFound();
          if (
            route.kind !== 'pod' ||
            !['exec', 'attach', 'portforward'].includes(route.sub ?? '')
          ) {
            throw badRequest(`${url.pathname} does not take an upgrade request`);
          }
          if (req.method !== 'GET' && req.method !== 'POST')
            throw methodNotAllowed(req.method ?? '', route.sub ?? '');
          const query = new Query(url.searchParams);
          const kind = route.sub as 'exec' | 'attach' | 'portforward';
          const target = await streamTargetOf(ctx, kind, route.namespace, route.name, query);
          await proxyUpgrade(ctx, req, socket, head, target.url, ctx.streamTls);
          ctx.logger.debug?.(
            { kind, namespace: route.namespace, pod: route.name, transport },
            'pod API stream proxied',
          );
        } catch (err) {
          const status = writeRawStatus(socket, err);
          if (status.code >= 500)
            ctx.logger.warn({ url: req.url, err: status.message }, 'pod API stream failed');
        }
      })();
    };

  const servers: Server[] = [];
  const make = (transport: Transport, identity?: PodApiTcpOptions['tls']): Server => {
    const { handshakeTimeout, ...limits } = serverLimits(options.clientLimits ?? {});
    const server = identity
      ? createHttpsServer({ cert: identity.cert, key: identity.key, handshakeTimeout, ...limits })
      : createServer(limits);
    answerClientErrors(server);
    server.on('request', onRequest(transport));
    server.on('upgrade', onUpgrade(transport));
    servers.push(server);
    return server;
  };

  let address: PodApiAddress | undefined;
  return {
    async listen() {
      if (address) return address;
      const result: PodApiAddress = {};
      try {
        if (unixSocket !== undefined) {
          await listenUnix(
            make('unix'),
            unixSocket,
            options.socketMode ?? 0o600,
            options.socketGroup,
          );
          result.socket = unixSocket;
        }
        if (tcp && tls) {
          const port = await listenTcp(make('tcp', tls), tcp.host, tcp.port);
          result.url = `https://${urlHost(tcp.host)}:${port}`;
          result.certificateAuthority = tls.cert.toString();
        }
      } catch (err) {
        await closeServers();
        throw err;
      }
      address = result;
      ctx.logger.info?.({ ...result, node: ctx.nodeName }, 'pod API listening');
      return result;
    },
    async close() {
      await closeServers();
      if (address?.socket) await rm(address.socket, { force: true });
      address = undefined;
    },
    async writeKubeconfig(path, spec = {}) {
      const server = spec.server ?? address?.url;
      if (server === undefined) {
        throw new Error(
          'pod API: writeKubeconfig needs the TCP listener (kubectl cannot use a unix socket): configure tcp and call listen() first',
        );
      }
      const token = spec.token ?? tcp?.token;
      const ca = spec.certificateAuthority ?? (spec.server === undefined ? tls?.cert : undefined);
      await writeKubeconfigFile(path, {
        ...spec,
        server,
        ...(token === undefined ? {} : { token }),
        ...(ca === undefined ? {} : { certificateAuthority: ca }),
      });
    },
  };

  async function closeServers(): Promise<void> {
    const all = servers.splice(0);
    const closing = all.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (!s.listening) return resolve();
          s.close(() => resolve());
        }),
    );
    for (const res of ctx.streams) res.end();
    for (const socket of ctx.sockets) socket.destroy();
    for (const s of all) s.closeAllConnections();
    await Promise.all(closing);
  }
}
