import { statfs } from 'node:fs/promises';
import {
  DeadlineExceededError,
  type DeepPartial,
  type FilesystemUsage,
  type Image,
  InvalidArgumentError,
  NotFoundError,
} from '@capstan/cri-api';
import type { ImageBackend, Logger } from '@capstan/cri-server';
import { formatReference, parseDockerRef, parseNormalizedReference } from '@capstan/image-id';
import type Docker from 'dockerode';
import { dockerMessage, fromDocker, isDockerNotFound } from './docker-errors.js';

type PullAuth = Parameters<ImageBackend['pull']>[1];

export interface DockerImagesOptions {
  docker: Docker;
  logger: Logger;
  /** A pull fails when no progress message came for this long (dockershim's 1 min default). */
  pullProgressTimeoutMs: number;
  /** Docker's data root (GET /info DockerRootDir), for ImageFsInfo. */
  dataRoot: string;
  /** References reported as pinned (the pause image: the kubelet's image GC leaves it alone). */
  pinned?: readonly string[];
}

/** Normalizes a reference; INVALID_ARGUMENT naming the problem when it is not one. */
function parseRef(ref: string) {
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
function normalized(stored: string): string {
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
): DeepPartial<Image> {
  const user = info.Config?.User ?? '';
  const name = user.split(':')[0] ?? '';
  const uid = /^\d+$/.test(name) ? { uid: { value: BigInt(name) } } : {};
  const repoTags = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(normalized);
  return {
    id: info.Id,
    repoTags,
    repoDigests: (info.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')).map(normalized),
    size: BigInt(info.Size ?? 0),
    ...uid,
    username: /^\d+$/.test(name) ? '' : name,
    spec: { image: info.Id },
    pinned: repoTags.some((t) => pinned.includes(t)),
  };
}

/** ImageService over the Docker Engine (images live in Docker's own store). */
export class DockerImages implements ImageBackend {
  readonly #pinned: string[];
  constructor(private readonly o: DockerImagesOptions) {
    this.#pinned = (o.pinned ?? []).map(normalized);
  }

  async inspect(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    if (!ref) throw new InvalidArgumentError('image reference is empty');
    // An ID or ID prefix is looked up as given; anything else by its normalized name.
    let name = ref;
    if (!/^(sha256:)?[0-9a-f]{6,64}$/.test(ref)) name = formatReference(parseRef(ref));
    try {
      return await this.o.docker.getImage(name).inspect();
    } catch (err) {
      if (isDockerNotFound(err)) return undefined;
      throw fromDocker(err, `ImageStatus ${ref}`);
    }
  }

  async pull(ref: string, auth?: PullAuth): Promise<string> {
    const parsed = parseRef(ref);
    const fromImage = parsed.name;
    const tag = parsed.digest ?? parsed.tag ?? 'latest';
    const authconfig = registryAuth(auth, parsed.domain);
    const started = Date.now();
    const stream = (await this.o.docker
      .createImage(authconfig ?? {}, { fromImage, tag })
      .catch((err: unknown) => {
        throw fromDocker(err, `PullImage ${ref}`);
      })) as NodeJS.ReadableStream & { destroy(err?: Error): void };
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      let rest = '';
      let timer: NodeJS.Timeout | undefined;
      const idle = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          stream.destroy();
          reject(
            new DeadlineExceededError(
              `PullImage ${ref}: no progress for ${this.o.pullProgressTimeoutMs} ms, cancelled`,
            ),
          );
        }, this.o.pullProgressTimeoutMs);
      };
      idle();
      stream.on('data', (chunk: Buffer) => {
        idle();
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          try {
            const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
            if (msg.error) failure = msg.errorDetail?.message ?? msg.error;
          } catch {
            // not JSON: ignore
          }
        }
      });
      stream.on('end', () => {
        clearTimeout(timer);
        if (failure === undefined) resolve();
        else if (/not found|manifest unknown|does not exist/i.test(failure))
          reject(new NotFoundError(`PullImage ${ref}: ${failure}`));
        else reject(fromDocker({ statusCode: 500, message: failure }, `PullImage ${ref}`));
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(fromDocker(err, `PullImage ${ref}`));
      });
    });
    const info = await this.inspect(formatReference(parsed));
    if (!info)
      throw new NotFoundError(`PullImage ${ref}: pulled, but Docker has no such image afterwards`);
    this.o.logger.info({ image: ref, id: info.Id, ms: Date.now() - started }, 'image pulled');
    return info.Id;
  }

  async status(ref: string): Promise<DeepPartial<Image> | undefined> {
    const info = await this.inspect(ref);
    return info ? toCriImage(info, this.#pinned) : undefined;
  }

  async list(): Promise<DeepPartial<Image>[]> {
    let images: Docker.ImageInfo[];
    try {
      images = await this.o.docker.listImages({ all: false });
    } catch (err) {
      throw fromDocker(err, 'ListImages');
    }
    return images.map((i) => {
      const repoTags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(normalized);
      return {
        id: i.Id,
        repoTags,
        repoDigests: (i.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')).map(normalized),
        size: BigInt(i.Size ?? 0),
        username: '',
        spec: { image: i.Id },
        pinned: repoTags.some((t) => this.#pinned.includes(t)),
      };
    });
  }

  /**
   * Removes the image the reference names with every tag and digest it has, as
   * containerd's CRI does (removing `busybox:1` of an image also tagged `busybox:latest`
   * removes both). Absent: success. In use by a running container: FAILED_PRECONDITION.
   */
  async remove(ref: string): Promise<void> {
    if (!ref) throw new InvalidArgumentError('RemoveImage: image reference is empty');
    const info = await this.inspect(ref);
    if (!info) return;
    const refs = [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])].filter(
      (r) => !r.startsWith('<none>'),
    );
    for (const r of [...refs, info.Id]) {
      try {
        await this.o.docker.getImage(r).remove({ force: true, noprune: false });
      } catch (err) {
        if (isDockerNotFound(err)) continue;
        throw fromDocker(err, `RemoveImage ${ref} (${r})`);
      }
    }
  }

  /** The filesystem of Docker's data root (statfs): where images and writable layers live. */
  async fsInfo(): Promise<DeepPartial<FilesystemUsage>[]> {
    const s = await statfs(this.o.dataRoot, { bigint: true }).catch((err: unknown) => {
      throw fromDocker(err, `ImageFsInfo: statfs ${this.o.dataRoot}: ${dockerMessage(err)}`);
    });
    return [
      {
        timestamp: BigInt(Date.now()) * 1_000_000n,
        fsId: { mountpoint: this.o.dataRoot },
        usedBytes: { value: (s.blocks - s.bfree) * s.bsize },
        inodesUsed: { value: s.files - s.ffree },
      },
    ];
  }
}
