import { CancelledError, type CapstanError, UnavailableError } from '@capstan/errdefs';
import {
  Client,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { parseEndpoint } from './endpoint.js';
import { fromServiceError } from './errors.js';
import {
  type CallOptions,
  type CriApiVersion,
  grpcServiceDefinition,
  type ImageServiceClient,
  type RuntimeServiceClient,
  type SERVICES,
} from './service-def.js';

/** Options of {@link createCriClient}. */
export interface CriClientOptions {
  /** Default deadline for every call, unless the call sets its own. Default: none. */
  deadlineMs?: number;
  /** The CRI package name to speak. Default `v1`. */
  apiVersion?: CriApiVersion;
  /** Largest message accepted or sent, in bytes. Default 16 MiB (the kubelet's limit). */
  maxMessageBytes?: number;
  /**
   * Told when each unary call ends, with the RPC's name (`RunPodSandbox`), its duration and
   * the typed error it failed with: what a caller needs for the kubelet's runtime operation
   * metrics. It must not throw.
   */
  onCallEnd?: (method: string, durationMs: number, error: CapstanError | undefined) => void;
}

/** A typed CRI client: `runtime` and `image` hold one promise method per RPC. */
export interface CriClient {
  readonly endpoint: string;
  readonly runtime: RuntimeServiceClient;
  readonly image: ImageServiceClient;
  /** Resolves once connected; rejects with UnavailableError naming the endpoint otherwise. */
  waitForReady(timeoutMs?: number): Promise<void>;
  close(): void;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Creates a client without connecting; see {@link connectCriClient} to wait for the peer. */
export function createCriClient(endpoint: string, options: CriClientOptions = {}): CriClient {
  const target = parseEndpoint(endpoint);
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const grpcClient = new Client(target.uri, credentials.createInsecure(), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    // The kubelet does not retry CRI calls transparently; neither do we.
    'grpc.enable_retries': 0,
  });
  const version = options.apiVersion ?? 'v1';
  const bind = <T>(service: keyof typeof SERVICES): T => {
    const def = grpcServiceDefinition(service, version);
    const api: Record<string, unknown> = {};
    for (const [key, m] of Object.entries(def)) {
      const name = m.originalName ?? key;
      const callOpts = (opts: CallOptions | undefined) => {
        const deadlineMs = opts?.deadlineMs ?? options.deadlineMs;
        return deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      };
      if (m.responseStream) {
        api[key] = (req: unknown, opts?: CallOptions): AsyncIterable<unknown> => {
          const call = grpcClient.makeServerStreamRequest(
            m.path,
            m.requestSerialize,
            m.responseDeserialize,
            req,
            opts?.metadata ?? new Metadata(),
            callOpts(opts),
          );
          opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
          return streamOf(call, name, endpoint);
        };
      } else {
        api[key] = (req: unknown, opts?: CallOptions): Promise<unknown> =>
          new Promise((resolve, reject) => {
            if (opts?.signal?.aborted) {
              reject(new CancelledError(`${name} on ${endpoint}: aborted before it started`));
              return;
            }
            const started = performance.now();
            const call = grpcClient.makeUnaryRequest(
              m.path,
              m.requestSerialize,
              m.responseDeserialize,
              req,
              opts?.metadata ?? new Metadata(),
              callOpts(opts),
              (err: ServiceError | null, res?: unknown) => {
                const error = err ? fromServiceError(err, name, endpoint) : undefined;
                options.onCallEnd?.(name, performance.now() - started, error);
                if (error) reject(error);
                else resolve(res);
              },
            );
            opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
          });
      }
    }
    return api as T;
  };

  return {
    endpoint,
    runtime: bind<RuntimeServiceClient>('runtime'),
    image: bind<ImageServiceClient>('image'),
    waitForReady(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        grpcClient.waitForReady(Date.now() + timeoutMs, (err) => {
          if (!err) return resolve();
          reject(
            new UnavailableError(
              `CRI endpoint ${endpoint} is not reachable after ${timeoutMs} ms: nothing accepted the connection (${err.message})`,
              { cause: err },
            ),
          );
        });
      });
    },
    close() {
      grpcClient.close();
    },
  };
}

/** Creates a client and waits until the endpoint accepts a connection. */
export async function connectCriClient(
  endpoint: string,
  options: CriClientOptions & { timeoutMs?: number } = {},
): Promise<CriClient> {
  const client = createCriClient(endpoint, options);
  try {
    await client.waitForReady(options.timeoutMs);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

async function* streamOf(
  call: ClientReadableStream<unknown>,
  method: string,
  endpoint: string,
): AsyncGenerator<unknown> {
  try {
    for await (const message of call) yield message;
  } catch (err) {
    throw fromServiceError(err, method, endpoint);
  } finally {
    call.cancel();
  }
}
