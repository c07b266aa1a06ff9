/**
 * The node agent's local pod API: a Kubernetes REST server over the agent's PodManager,
 * off unless enabled, on a unix socket by default and optionally on loopback TCP with a
 * bearer token, so that kubectl 1.27 to 1.33 can list, create, apply, delete, watch,
 * read logs of, exec into, attach to and port-forward to this node's pods.
 */
export type { PodApiManager, PodMetadataUpdater } from './api-context.js';
export { DEFAULT_API_VERSION } from './api-discovery.js';
export { type KubeconfigSpec, kubeconfigOf, writeKubeconfigFile } from './api-kubeconfig.js';
export type { PodApiLogger } from './api-logger.js';
export {
  createPodApi,
  DEFAULT_POD_API_SOCKET,
  type PodApi,
  type PodApiAddress,
  type PodApiOptions,
  type PodApiTcpOptions,
} from './api-server.js';
export { generateSelfSignedCertificate, type TlsIdentity } from './api-tls.js';
