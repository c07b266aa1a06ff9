// The pod API's public shape: its options, addresses and handle (createPodApi in
// api-server.ts builds it).
import type { ConnectionOptions } from 'node:tls';
import type { ClientLimits } from './api-client-guard.js';
import type { PodApiManager, ResourceMetricsSource } from './api-context.js';
import type { ApiEventSource } from './api-events.js';
import type { KubeconfigSpec } from './api-kubeconfig.js';
import type { PodApiLogger } from './api-logger.js';

/** Where the pod API listens when neither a socket nor TCP is configured. */
export const DEFAULT_POD_API_SOCKET = '/run/capstan/pod-api.sock';

/**
 * The optional loopback TCP listener: https with bearer-token auth. It is always TLS:
 * kubectl never sends a kubeconfig's token to an http:// server.
 */
export interface PodApiTcpOptions {
  /** A loopback address (127.0.0.0/8, ::1, localhost); anything else is refused. */
  host: string;
  /** 0 picks a free port (see the url listen() returns). */
  port: number;
  /** Every request must carry `Authorization: Bearer <token>`; 401 otherwise. */
  token: string;
  /**
   * The server certificate and key (PEM). Default: a self-signed ECDSA certificate for
   * localhost, 127.0.0.1 and ::1 made at startup. The kubeconfig trusts `cert` as its CA.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface PodApiOptions {
  manager: PodApiManager;
  /** The node's Events (the lifecycle's EventStore): served as core/v1 and events.k8s.io/v1. */
  events?: ApiEventSource;
  /** This node's name: pods created through the API are bound to it. */
  nodeName: string;
  /** The unix socket (no auth: its mode is the access control). */
  unixSocket?: string;
  /** Mode of the unix socket: 0o600 (default) or 0o660 with `socketGroup`. */
  socketMode?: number;
  /** Group owning the unix socket. */
  socketGroup?: number;
  tcp?: PodApiTcpOptions;
  logger?: PodApiLogger;
  /** The Kubernetes version reported by /version. Default: api-discovery's DEFAULT_API_VERSION. */
  kubernetesVersion?: string;
  /** TLS options for https streaming URLs of the runtime. */
  streamTls?: ConnectionOptions;
  /** Longest watch in seconds (the client's timeoutSeconds is capped to it). Default 1800. */
  maxWatchSeconds?: number;
  /** Usage for metrics.k8s.io (`kubectl top`); without it the group is not served. */
  metrics?: ResourceMetricsSource;
  /** Slow clients: how long headers, a whole request and a TLS handshake may take. */
  clientLimits?: ClientLimits;
}

export interface PodApiAddress {
  socket?: string;
  /** `https://127.0.0.1:<port>`. */
  url?: string;
  /** PEM the TCP listener's certificate verifies against (its own, when self-signed). */
  certificateAuthority?: string;
}

export interface PodApi {
  listen(): Promise<PodApiAddress>;
  /** Stops listening, ends watches and log streams, cuts proxied streams. */
  close(): Promise<void>;
  /**
   * Writes a kubeconfig (mode 0600) for the TCP listener: its url, token and, with TLS,
   * its certificate as the CA. Needs `tcp` and a completed listen() unless `server` is given.
   */
  writeKubeconfig(path: string, spec?: Partial<KubeconfigSpec>): Promise<void>;
}
