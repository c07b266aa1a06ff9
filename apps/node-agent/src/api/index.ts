/**
 * The node agent's local pod API: a Kubernetes REST server over the agent's PodManager,
 * off unless enabled, on a unix socket by default and optionally on loopback TCP with a
 * bearer token, so that kubectl 1.27 to 1.33 can list, create, apply, delete, watch,
 * read logs of, exec into, attach to and port-forward to this node's pods.
 */
export type { PodApi } from './api-options.js';
export { createPodApi } from './api-server.js';
