/**
 * The media types of the OCI image specification and of Docker's image manifest
 * version 2, schema 2, that this package knows by name.
 */
export const MediaTypes = {
  /** OCI image index (a list of manifests, usually one per platform). */
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  /** OCI image manifest (one config and its layers). */
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  /** OCI image config. */
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  /** OCI content descriptor. */
  ociDescriptor: 'application/vnd.oci.descriptor.v1+json',
  /** OCI image layout header (`oci-layout`). */
  ociLayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  /** OCI layer, uncompressed tar. */
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  /** OCI layer, gzip-compressed tar. */
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  /** OCI layer, zstd-compressed tar. */
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  /** OCI non-distributable layer, uncompressed tar (deprecated by the spec). */
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  /** OCI non-distributable layer, gzip-compressed tar (deprecated by the spec). */
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  /** OCI non-distributable layer, zstd-compressed tar (deprecated by the spec). */
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  /** The OCI empty descriptor's content, `{}` (artifacts without a config). */
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  /** Docker manifest list ("fat manifest"), schema 2. */
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  /** Docker image manifest, schema 2. */
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  /** Docker image manifest, schema 1 (not parsed: deprecated and unsupported). */
  dockerManifestSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  /** Docker signed image manifest, schema 1 (not parsed: deprecated and unsupported). */
  dockerManifestSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  /** Docker container config JSON. */
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  /** Docker layer, gzip-compressed tar. */
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** Docker foreign layer, gzip-compressed tar that is never pushed. */
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Docker plugin config JSON. */
  dockerPluginConfig: 'application/vnd.docker.plugin.v1+json',
} as const;

/** The media types of image manifests (a config and layers). */
export type ManifestMediaType = typeof MediaTypes.ociManifest | typeof MediaTypes.dockerManifest;
/** The media types of image indexes (a list of manifests). */
export type IndexMediaType = typeof MediaTypes.ociIndex | typeof MediaTypes.dockerManifestList;

/** True for the OCI image manifest and Docker schema 2 manifest media types. */
export function isManifestMediaType(mediaType: string): mediaType is ManifestMediaType {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

/** True for the OCI image index and Docker manifest list media types. */
export function isIndexMediaType(mediaType: string): mediaType is IndexMediaType {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

/** True for the OCI image config and Docker container config media types. */
export function isConfigMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociConfig || mediaType === MediaTypes.dockerConfig;
}

const LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.ociLayer,
  MediaTypes.ociLayerGzip,
  MediaTypes.ociLayerZstd,
  MediaTypes.ociLayerNondistributable,
  MediaTypes.ociLayerNondistributableGzip,
  MediaTypes.ociLayerNondistributableZstd,
  MediaTypes.dockerLayerGzip,
  MediaTypes.dockerForeignLayerGzip,
]);

/** True for the layer media types listed in {@link MediaTypes} (OCI and Docker). */
export function isLayerMediaType(mediaType: string): boolean {
  return LAYER_TYPES.has(mediaType);
}

/**
 * The media type of an HTTP `Content-Type` value: parameters (`; charset=utf-8`) and
 * surrounding space removed, lower-cased (media types are case-insensitive).
 */
export function mediaTypeOfContentType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const RESTRICTED_NAME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** True when a string is a `type/subtype` media type per RFC 6838 section 4.2. */
export function isValidMediaType(value: string): boolean {
  const slash = value.indexOf('/');
  return (
    slash > 0 &&
    RESTRICTED_NAME.test(value.slice(0, slash)) &&
    RESTRICTED_NAME.test(value.slice(slash + 1))
  );
}
