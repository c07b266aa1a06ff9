import type { Metadata, MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import {
  type DeepPartial,
  ImageServiceDefinition,
  RuntimeServiceDefinition,
} from './gen/runtime/v1/api.js';

/** The CRI package names Capstan serves: the current one and the pre-1.26 alpha. */
export type CriApiVersion = 'v1' | 'v1alpha2';
export const CRI_API_VERSIONS: readonly CriApiVersion[] = ['v1', 'v1alpha2'];

type Methods<D> = D extends { methods: infer M } ? M : never;
type Codec<T> = { decode(input: Uint8Array): T; encode(message: T): { finish(): Uint8Array } };
type ReqOf<M> = M extends { requestType: Codec<infer R> } ? R : never;
type ResOf<M> = M extends { responseType: Codec<infer R> } ? R : never;
type Streams<M> = M extends { responseStream: true } ? true : false;

/** Per-call options of the typed client. */
export interface CallOptions {
  /** Milliseconds before the call fails with DeadlineExceededError. */
  deadlineMs?: number;
  /** Cancels the call (the promise rejects with CancelledError). */
  signal?: AbortSignal;
  metadata?: Metadata;
}

/** What a server handler is told about its call. */
export interface CallContext {
  /** The RPC's full path, e.g. `/runtime.v1.RuntimeService/Version`. */
  readonly path: string;
  /** `v1` or `v1alpha2`: which package name the caller used. */
  readonly apiVersion: CriApiVersion;
  readonly metadata: Metadata;
  /** Aborted when the caller cancels or its deadline passes. */
  readonly signal: AbortSignal;
  readonly deadline: Date | undefined;
}

/** A promise-returning client for a service; server-streaming methods return async iterables. */
export type ClientOf<D> = {
  [K in keyof Methods<D>]: Streams<Methods<D>[K]> extends true
    ? (
        req: DeepPartial<ReqOf<Methods<D>[K]>>,
        opts?: CallOptions,
      ) => AsyncIterable<ResOf<Methods<D>[K]>>
    : (req: DeepPartial<ReqOf<Methods<D>[K]>>, opts?: CallOptions) => Promise<ResOf<Methods<D>[K]>>;
};

/** Server handlers for a service: return (a partial of) the response; throw an error with a kind (@capstan/errdefs) to fail. */
export type HandlersOf<D> = {
  [K in keyof Methods<D>]: Streams<Methods<D>[K]> extends true
    ? (
        req: ReqOf<Methods<D>[K]>,
        ctx: CallContext,
      ) => AsyncIterable<DeepPartial<ResOf<Methods<D>[K]>>>
    : (
        req: ReqOf<Methods<D>[K]>,
        ctx: CallContext,
      ) => Promise<DeepPartial<ResOf<Methods<D>[K]>>> | DeepPartial<ResOf<Methods<D>[K]>>;
};

export type RuntimeServiceClient = ClientOf<typeof RuntimeServiceDefinition>;
export type ImageServiceClient = ClientOf<typeof ImageServiceDefinition>;
export type RuntimeServiceHandlers = HandlersOf<typeof RuntimeServiceDefinition>;
export type ImageServiceHandlers = HandlersOf<typeof ImageServiceDefinition>;

/** Returned by a request deserializer that could not decode the bytes (see server.ts). */
export class UndecodableRequest {
  constructor(readonly error: unknown) {}
}

interface GenericMethod {
  name: string;
  requestType: MessageCodec;
  responseType: MessageCodec;
  requestStream: boolean;
  responseStream: boolean;
}
interface MessageCodec {
  encode(message: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): unknown;
  fromPartial(object: unknown): unknown;
}
interface GenericService {
  name: string;
  fullName: string;
  methods: Record<string, GenericMethod>;
}

export const SERVICES = {
  runtime: RuntimeServiceDefinition as unknown as GenericService,
  image: ImageServiceDefinition as unknown as GenericService,
} as const;

/**
 * A grpc-js service definition for one CRI service under one package name. Messages are
 * encoded from partials (missing fields take their proto3 defaults); a request that does
 * not decode becomes an UndecodableRequest instead of an exception, so the server can
 * answer INVALID_ARGUMENT.
 */
export function grpcServiceDefinition(
  service: keyof typeof SERVICES,
  version: CriApiVersion,
): ServiceDefinition {
  const def = SERVICES[service];
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, m] of Object.entries(def.methods)) {
    out[key] = {
      path: `/runtime.${version}.${def.name}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (v) =>
        Buffer.from(m.requestType.encode(m.requestType.fromPartial(v)).finish()),
      requestDeserialize: (b) => {
        try {
          return m.requestType.decode(b);
        } catch (error) {
          return new UndecodableRequest(error);
        }
      },
      responseSerialize: (v) =>
        Buffer.from(m.responseType.encode(m.responseType.fromPartial(v)).finish()),
      responseDeserialize: (b) => m.responseType.decode(b),
      originalName: m.name,
    };
  }
  return out;
}
