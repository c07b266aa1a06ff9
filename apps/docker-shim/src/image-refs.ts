import type { DeepPartial, Image } from '@capstan/cri-api';
import { InvalidArgumentError } from '@capstan/cri-api';
import type { ImageBackend } from '@capstan/cri-server';
import { formatReference, parseDockerRef, parseNormalizedReference } from '@capstan/image-id';
import type Docker from 'dockerode';

/** The auth a CRI PullImage carries. */
export type PullAuth = Parameters<ImageBackend['pull']>[1];

/** Normalizes a reference; INVALID_ARGUMENT naming the problem when it is not one. */
export function parseRef(ref: string) {
  try {
    return parseDockerRef(ref);
  } catch (err) {
    throw new InvalidArgumentError(
      `image ${JSON.stringify(ref)} is not a valid reference: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** A reference as the full normalized string (`busybox:1` → `docker.io/library/busybox:1`). */
export function normalized(stored: string): string {
  try {
    return formatReference(parseNormalizedReference(stored));
  } catch {
    return stored;
  }
}

/** Docker's X-Registry-Auth for a CRI AuthConfig (`auth` is base64 `user:password`). */
export function registryAuth(
  auth: PullAuth,
  serverAddress: string,
): Record<string, string> | undefined {
  if (!auth) return undefined;
  let username = auth.username ?? '';
  let password = auth.password ?? '';
  if (auth.auth) {
    const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new InvalidArgumentError('auth.auth is not base64 of user:password');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const out: Record<string, string> = { serveraddress: serverAddress };
  if (username) out.username = username;
  if (password) out.password = password;
  if (auth.identityToken) out.identitytoken = auth.identityToken;
  if (auth.registryToken) out.registrytoken = auth.registryToken;
  return Object.keys(out).length > 1 ? out : undefined;
}

/** Docker's image inspect as a CRI Image; tags and digests normalized like containerd's. */
export function toCriImage(
  info: Docker.ImageInspectInfo,
  pinned: readonly string[] = [],
  recordedDigests: readonly string[] = [],
): DeepPartial<Image> {
  const user = info.Config?.User ?? '';
  const name = user.split(':')[0] ?? '';
  const uid = /^\d+$/.test(name) ? { uid: { value: BigInt(name) } } : {};
  const repoTags = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(normalized);
  return {
    id: info.Id,
    repoTags,
    repoDigests: withRecorded(info.RepoDigests, recordedDigests),
    size: BigInt(info.Size ?? 0),
    ...uid,
    username: /^\d+$/.test(name) ? '' : name,
    spec: { image: info.Id },
    pinned: repoTags.some((t) => pinned.includes(t)),
  };
}

/** Docker's repo digests (normalized) plus those recorded for mirror pulls, once each. */
export function withRecorded(
  docker: readonly string[] | undefined,
  recorded: readonly string[],
): string[] {
  const out = (docker ?? []).filter((d) => !d.startsWith('<none>')).map(normalized);
  for (const d of recorded) if (!out.includes(d)) out.push(d);
  return out;
}

/** The repository part of a stored reference, normalized (`busybox@sha256:…` → `docker.io/library/busybox`). */
export function repositoryOf(stored: string): string | undefined {
  try {
    return parseNormalizedReference(stored).name;
  } catch {
    return undefined;
  }
}
