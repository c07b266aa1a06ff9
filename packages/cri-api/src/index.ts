/**
 * @capstan/cri-api — the Kubernetes CRI `runtime.v1` wire contract for Node.
 *
 * - Every CRI message and enum as a TypeScript type with a protobuf codec
 *   (`VersionRequest.encode(...)`, `PodSandboxConfig.fromPartial(...)`).
 * - {@link createCriClient} / {@link connectCriClient}: a promise client for unix sockets and
 *   host:port endpoints.
 * - {@link createCriServer}: a server for RuntimeService and ImageService handlers, on a
 *   0660 unix socket, serving `runtime.v1` and `runtime.v1alpha2`, and accepting older Go
 *   clients that send the socket path as HTTP/2 `:authority`.
 * - The errors of `@capstan/errdefs` (re-exported), mapped to gRPC status codes both ways
 *   in one place ({@link grpcStatusOf}, {@link kindOfGrpcStatus}).
 *
 * @packageDocumentation
 */

/** The one error vocabulary, re-exported: CRI calls fail with these kinds. */
export * from '@capstan/errdefs';
/** gRPC status codes, re-exported so callers need not depend on grpc-js. */
export { status as GrpcStatus } from '@grpc/grpc-js';
export {
  type CriClient,
  type CriClientOptions,
  connectCriClient,
  createCriClient,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './client.js';
export { type CriEndpoint, parseEndpoint } from './endpoint.js';
export {
  fromServiceError,
  grpcStatusName,
  grpcStatusOf,
  kindOfGrpcStatus,
  toServiceError,
} from './errors.js';
export * from './gen/runtime/v1/api.js';
export { AuthorityRewriter, isRejectedAuthority, REWRITTEN_AUTHORITY } from './h2-authority.js';
export {
  type CallRecord,
  type CriServer,
  type CriServerOptions,
  createCriServer,
} from './server.js';
export {
  type CallContext,
  type CallOptions,
  type ClientOf,
  CRI_API_VERSIONS,
  type CriApiVersion,
  grpcServiceDefinition,
  type HandlersOf,
  type ImageServiceClient,
  type ImageServiceHandlers,
  type RuntimeServiceClient,
  type RuntimeServiceHandlers,
} from './service-def.js';
