import type { Node, Pod, PodEvent } from '@capstan/pod-lifecycle';

export type { PodEvent } from '@capstan/pod-lifecycle';

/** Options of a container log read, as pods/log takes them. */
export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  /** Only lines at or after this time (ns since the epoch: sinceTime to the nanosecond). */
  sinceTime?: bigint;
  limitBytes?: number;
  signal?: AbortSignal;
}

/** A streaming request the API proxies to the runtime's streaming server. */
export interface StreamTarget {
  /** The runtime's streaming URL for this request (single use). */
  url: string;
}

/** Thrown with an HTTP-like meaning the API maps to a Kubernetes Status. */
export class PodApiError extends Error {
  constructor(
    readonly code: 400 | 403 | 404 | 409 | 422 | 500 | 503,
    readonly reason:
      | 'BadRequest'
      | 'Forbidden'
      | 'NotFound'
      | 'AlreadyExists'
      | 'Invalid'
      | 'InternalError'
      | 'ServiceUnavailable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the agent's pod API needs from the rest of the agent. Pods carry their current
 * status; every change (spec or status) bumps metadata.resourceVersion and is sent to
 * watchers.
 */
export interface PodManager {
  /** All pods (optionally one namespace), with status. */
  list(namespace?: string): Pod[];
  get(namespace: string, name: string): Pod | undefined;
  /** Admits and starts a pod from the API; 409 AlreadyExists, 422 Invalid, 403 when it does not fit. */
  create(pod: Pod): Promise<Pod>;
  /** Starts graceful deletion; the pod disappears (DELETED event) once its containers are gone. */
  delete(namespace: string, name: string, gracePeriodSeconds?: number): Promise<Pod>;
  /** Subscribes to pod events after `resourceVersion` (all current pods as ADDED when absent). */
  watch(onEvent: (e: PodEvent) => void, resourceVersion?: string): () => void;
  /** The container log as text lines (CRI log format decoded), followed when asked. */
  logs(namespace: string, name: string, opts: LogOptions): AsyncIterable<string>;
  exec(
    namespace: string,
    name: string,
    container: string | undefined,
    cmd: string[],
    io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ): Promise<StreamTarget>;
  attach(
    namespace: string,
    name: string,
    container: string | undefined,
    io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean },
  ): Promise<StreamTarget>;
  portForward(namespace: string, name: string, ports: number[]): Promise<StreamTarget>;
  /** The node object (capacity, allocatable, conditions, nodeInfo, images). */
  node(): Promise<Node>;
  /** The latest resourceVersion handed out. */
  resourceVersion(): string;
}
