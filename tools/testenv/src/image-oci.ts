import { LAYER_MTIME, type Layer, sha256 } from './image-layer.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** The runtime part of an image config (OCI image spec `config`). */
export interface ImageRuntimeConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  exposedPorts?: string[];
  labels?: Record<string, string>;
}

/** A serialized JSON document and its content address. */
export interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
  mediaType: string;
}

function blob(mediaType: string, doc: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(doc));
  return { digest: sha256(bytes), size: bytes.length, bytes, mediaType };
}

/**
 * The OCI image config for linux/amd64. Its digest is the image ID runtimes report
 * (containerd's CRI and dockerd both use the config digest).
 */
export function imageConfig(
  layers: readonly { layer: Layer; createdBy: string }[],
  rc: ImageRuntimeConfig,
): Blob {
  const created = LAYER_MTIME.toISOString();
  const config: Record<string, unknown> = {};
  if (rc.env !== undefined) config.Env = rc.env;
  if (rc.entrypoint !== undefined) config.Entrypoint = rc.entrypoint;
  if (rc.cmd !== undefined) config.Cmd = rc.cmd;
  config.WorkingDir = rc.workingDir ?? '/';
  if (rc.exposedPorts !== undefined) {
    config.ExposedPorts = Object.fromEntries(rc.exposedPorts.map((p) => [p, {}]));
  }
  if (rc.labels !== undefined) config.Labels = rc.labels;
  return blob(OCI_CONFIG, {
    created,
    architecture: 'amd64',
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.layer.diffId) },
    history: layers.map((l) => ({ created, created_by: l.createdBy })),
  });
}

/** The OCI image manifest; its digest is the image's repo digest. */
export function imageManifest(config: Blob, layers: readonly Layer[]): Blob {
  return blob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
  });
}
