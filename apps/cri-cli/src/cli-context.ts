import {
  type CriClient,
  connectCriClient,
  type ImageServiceClient,
  ImageServiceDefinition,
  type RuntimeServiceClient,
  RuntimeServiceDefinition,
} from '@capstan/cri-api';
import type { Io } from './cli-io.js';
import type { CliConfig } from './config/cli-config.js';

/**
 * Calls that may take long on their own (pulls, pod start and stop, exec): they get no
 * deadline from `--timeout` (crictl leaves pulls unbounded too and gives the rest more
 * time). Every other call is a quick read and must answer within `--timeout`.
 */
const LONG_RUNNING = new Set([
  'runPodSandbox',
  'stopPodSandbox',
  'removePodSandbox',
  'createContainer',
  'startContainer',
  'stopContainer',
  'removeContainer',
  'execSync',
  'pullImage',
  'removeImage',
]);

interface LooseCodec {
  fromPartial(o: unknown): unknown;
  toJSON(m: unknown): unknown;
}
interface LooseDefinition {
  methods: Record<
    string,
    { name: string; requestType: LooseCodec; responseType: LooseCodec; responseStream: boolean }
  >;
}
type Call = (req: unknown, opts?: { deadlineMs?: number }) => Promise<unknown>;

/** Registry secrets never reach a debug line. */
function redact(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || !('auth' in json)) return json;
  return { ...json, auth: '<redacted>' };
}

/** Adds the per-call deadline and, with --debug, one stderr line per request and response. */
function instrument<T extends object>(
  service: T,
  definition: LooseDefinition,
  config: CliConfig,
  io: Io,
): T {
  return new Proxy(service, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      const method = typeof key === 'string' ? definition.methods[key] : undefined;
      if (typeof value !== 'function' || !method || method.responseStream) return value;
      const call = value as Call;
      return async (req: unknown, opts?: { deadlineMs?: number }) => {
        const deadline = LONG_RUNNING.has(key as string) ? {} : { deadlineMs: config.timeoutMs };
        if (config.debug) {
          const json = method.requestType.toJSON(method.requestType.fromPartial(req));
          io.err(`DEBUG ${method.name} request: ${JSON.stringify(redact(json))}\n`);
        }
        const res = await call.call(target, req, { ...deadline, ...opts });
        if (config.debug) {
          io.err(
            `DEBUG ${method.name} response: ${JSON.stringify(method.responseType.toJSON(res))}\n`,
          );
        }
        return res;
      };
    },
  });
}

/** One command's connection to the runtime: clients are made on first use, closed at exit. */
export class CliContext {
  private runtimeClient: Promise<CriClient> | undefined;
  private imageClient: Promise<CriClient> | undefined;

  constructor(
    readonly config: CliConfig,
    readonly io: Io,
  ) {}

  private connect(endpoint: string): Promise<CriClient> {
    return connectCriClient(endpoint, { timeoutMs: this.config.timeoutMs });
  }

  /** The RuntimeService at `--runtime-endpoint`. */
  async runtime(): Promise<RuntimeServiceClient> {
    this.runtimeClient ??= this.connect(this.config.runtimeEndpoint);
    const client = await this.runtimeClient;
    return instrument(
      client.runtime,
      RuntimeServiceDefinition as unknown as LooseDefinition,
      this.config,
      this.io,
    );
  }

  /** The ImageService at `--image-endpoint` (the runtime's connection when they are the same). */
  async image(): Promise<ImageServiceClient> {
    if (this.config.imageEndpoint === this.config.runtimeEndpoint) {
      this.runtimeClient ??= this.connect(this.config.runtimeEndpoint);
      this.imageClient = this.runtimeClient;
    } else {
      this.imageClient ??= this.connect(this.config.imageEndpoint);
    }
    const client = await this.imageClient;
    return instrument(
      client.image,
      ImageServiceDefinition as unknown as LooseDefinition,
      this.config,
      this.io,
    );
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled([this.runtimeClient, this.imageClient]);
    for (const c of clients) if (c.status === 'fulfilled') c.value?.close();
  }
}
