import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceUsage } from '@capstan/pod-lifecycle';
import type { PodManager } from '../pod/pod-manager.js';
import type { Pod } from '../pod/types.js';
import type { ApiEventSource } from './api-events.js';
import type { PodApiLogger } from './api-logger.js';

/**
 * What PATCH and PUT of a pod need besides {@link PodManager}: a pod's spec is immutable
 * here (like Kubernetes' pod spec, minus in-place image updates), so only labels and
 * annotations change. Without it, PATCH and PUT answer 405.
 */
export interface PodMetadataUpdater {
  /**
   * Replaces the pod's labels and annotations (the complete new maps), bumps its
   * resourceVersion and sends a MODIFIED event. 404 (PodApiError) for an unknown pod.
   */
  updateMetadata(
    namespace: string,
    name: string,
    update: { labels: Record<string, string>; annotations: Record<string, string> },
  ): Promise<Pod>;
}

/** The manager the pod API serves: a PodManager, optionally able to update metadata. */
export type PodApiManager = PodManager & Partial<PodMetadataUpdater>;

/** Where metrics.k8s.io usage comes from: a ResourceSampler of @capstan/pod-lifecycle fits. */
export interface ResourceMetricsSource {
  /** A container's usage over the last window, by runtime container ID. */
  container(id: string): ResourceUsage | undefined;
  /** The node's usage over the last window. */
  node(): ResourceUsage | undefined;
}

/** Shared by every handler of one pod API instance. */
export interface ApiContext {
  manager: PodApiManager;
  /** The node's Events (core/v1 and events.k8s.io/v1); none served without it. */
  events?: ApiEventSource;
  nodeName: string;
  logger: PodApiLogger;
  /** Open watch and log-follow responses, ended by close(). */
  streams: Set<ServerResponse>;
  /** Upgraded (exec, attach, port-forward) client connections, destroyed by close(). */
  sockets: Set<Duplex>;
  /** TLS options for https streaming URLs (a runtime's CA); plain http needs none. */
  streamTls?: ConnectionOptions;
  /** Longest watch when the client gives no timeoutSeconds (the API server's 30 min). */
  maxWatchSeconds: number;
  /** Usage served as metrics.k8s.io; absent: the group is not served. */
  metrics?: ResourceMetricsSource;
}
