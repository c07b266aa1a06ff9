import type { Platform } from './descriptor.js';
import type { Digest } from './digest-parse.js';
import { InvalidManifestError } from './errors.js';
import {
  asArray,
  asDigest,
  asObject,
  asString,
  DEFAULT_MAX_DOCUMENT_BYTES,
  decodeJson,
  type JsonObject,
  optBoolean,
  optional,
  optKeySet,
  optString,
  optStringArray,
  optStringMap,
  required,
} from './json-read.js';

/** The defaults a container of the image runs with (the config's `config` object). */
export interface ContainerConfig {
  /** `User`: user name or UID, optionally `:group`. */
  readonly user?: string;
  /** `ExposedPorts`: `port/protocol` entries such as `80/tcp`. */
  readonly exposedPorts?: readonly string[];
  /** `Env`: `NAME=value` entries. */
  readonly env?: readonly string[];
  /** `Entrypoint`. */
  readonly entrypoint?: readonly string[];
  /** `Cmd`: default arguments to the entrypoint. */
  readonly cmd?: readonly string[];
  /** `Volumes`: paths that hold data. */
  readonly volumes?: readonly string[];
  /** `WorkingDir`. */
  readonly workingDir?: string;
  /** `Labels`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `StopSignal`, such as `SIGTERM`. */
  readonly stopSignal?: string;
  /** `ArgsEscaped` (Windows only). */
  readonly argsEscaped?: boolean;
}

/** One step of the image's build history. */
export interface HistoryEntry {
  /** When the step ran (RFC 3339). */
  readonly created?: string;
  /** The command of the step. */
  readonly createdBy?: string;
  /** Who ran it. */
  readonly author?: string;
  /** A comment. */
  readonly comment?: string;
  /** True when the step made no layer. */
  readonly emptyLayer?: boolean;
}

/** An image config: OCI image config or Docker container config JSON. */
export interface ImageConfig extends Platform {
  /** When the image was created (RFC 3339). */
  readonly created?: string;
  /** Who created it. */
  readonly author?: string;
  /** The container defaults. */
  readonly config?: ContainerConfig;
  /** The uncompressed layer digests (`diff_ids`), base layer first. */
  readonly rootfs: { readonly type: 'layers'; readonly diffIds: readonly Digest[] };
  /** Build history. */
  readonly history?: readonly HistoryEntry[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readContainerConfig(value: unknown, path: string): ContainerConfig {
  const o = asObject(value, path);
  const c: Mutable<ContainerConfig> = {};
  const user = optString(o, 'User', path);
  if (user !== undefined) c.user = user;
  const ports = optKeySet(o, 'ExposedPorts', path);
  if (ports !== undefined) c.exposedPorts = ports;
  const env = optStringArray(o, 'Env', path);
  if (env !== undefined) c.env = env;
  const entrypoint = optStringArray(o, 'Entrypoint', path);
  if (entrypoint !== undefined) c.entrypoint = entrypoint;
  const cmd = optStringArray(o, 'Cmd', path);
  if (cmd !== undefined) c.cmd = cmd;
  const volumes = optKeySet(o, 'Volumes', path);
  if (volumes !== undefined) c.volumes = volumes;
  const workingDir = optString(o, 'WorkingDir', path);
  if (workingDir !== undefined) c.workingDir = workingDir;
  const labels = optStringMap(o, 'Labels', path);
  if (labels !== undefined) c.labels = labels;
  const stopSignal = optString(o, 'StopSignal', path);
  if (stopSignal !== undefined) c.stopSignal = stopSignal;
  const argsEscaped = optBoolean(o, 'ArgsEscaped', path);
  if (argsEscaped !== undefined) c.argsEscaped = argsEscaped;
  return c;
}

function readHistory(value: unknown, path: string): HistoryEntry {
  const o = asObject(value, path);
  const h: Mutable<HistoryEntry> = {};
  const created = optString(o, 'created', path);
  if (created !== undefined) h.created = created;
  const createdBy = optString(o, 'created_by', path);
  if (createdBy !== undefined) h.createdBy = createdBy;
  const author = optString(o, 'author', path);
  if (author !== undefined) h.author = author;
  const comment = optString(o, 'comment', path);
  if (comment !== undefined) h.comment = comment;
  const emptyLayer = optBoolean(o, 'empty_layer', path);
  if (emptyLayer !== undefined) h.emptyLayer = emptyLayer;
  return h;
}

function readRootfs(doc: JsonObject): ImageConfig['rootfs'] {
  const o = asObject(required(doc, 'rootfs', ''), 'rootfs');
  const type = asString(required(o, 'type', 'rootfs'), 'rootfs.type');
  if (type !== 'layers')
    throw new InvalidManifestError('rootfs.type', `must be "layers", got ${JSON.stringify(type)}`);
  const ids = asArray(required(o, 'diff_ids', 'rootfs'), 'rootfs.diff_ids');
  return { type, diffIds: ids.map((id, i) => asDigest(id, `rootfs.diff_ids[${i}]`)) };
}

/**
 * Parses and validates an image config blob (OCI `application/vnd.oci.image.config.v1+json`
 * or Docker `application/vnd.docker.container.image.v1+json`): `architecture`, `os` and
 * `rootfs` (type `layers`, `diff_ids` digests) are required; the platform fields, the
 * container defaults and the history are read when present. Field names become
 * camelCase; `null` reads as absent. The image ID is the digest of these bytes
 * ({@link imageIdFromConfig}).
 *
 * @throws {@link InvalidManifestError} with the `path` of the bad value.
 */
export function parseImageConfig(
  content: Uint8Array | string,
  options: { readonly maxBytes?: number } = {},
): ImageConfig {
  const doc = asObject(
    decodeJson(content, options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, 'the image config'),
    '',
  );
  const architecture = asString(required(doc, 'architecture', ''), 'architecture');
  const os = asString(required(doc, 'os', ''), 'os');
  const config: Mutable<ImageConfig> = { architecture, os, rootfs: readRootfs(doc) };
  const variant = optString(doc, 'variant', '');
  if (variant !== undefined && variant !== '') config.variant = variant;
  const osVersion = optString(doc, 'os.version', '');
  if (osVersion !== undefined && osVersion !== '') config.osVersion = osVersion;
  const osFeatures = optStringArray(doc, 'os.features', '');
  if (osFeatures !== undefined && osFeatures.length > 0) config.osFeatures = osFeatures;
  const created = optString(doc, 'created', '');
  if (created !== undefined) config.created = created;
  const author = optString(doc, 'author', '');
  if (author !== undefined) config.author = author;
  const container = optional(doc, 'config');
  if (container !== undefined) config.config = readContainerConfig(container, 'config');
  const history = optional(doc, 'history');
  if (history !== undefined) {
    config.history = asArray(history, 'history').map((h, i) => readHistory(h, `history[${i}]`));
  }
  return config;
}
