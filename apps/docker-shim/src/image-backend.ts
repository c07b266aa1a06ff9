import { statfs } from 'node:fs/promises';
import {
  DeadlineExceededError,
  type DeepPartial,
  FailedPreconditionError,
  type FilesystemUsage,
  type Image,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@capstan/cri-api';
import type { ImageBackend, Logger } from '@capstan/cri-server';
import { formatReference, type parseDockerRef, repoDigest } from '@capstan/image-id';
import {
  HostsTomlError,
  isDirect,
  isLoopbackHost,
  loadRegistryHosts,
  type RegistryEndpoint,
} from '@capstan/image-store';
import type Docker from 'dockerode';
import { dockerMessage, fromDocker, isDockerNotFound } from './docker-errors.js';
import { RecordedDigests } from './image-digests.js';
import {
  normalized,
  type PullAuth,
  parseRef,
  registryAuth,
  repositoryOf,
  toCriImage,
  withRecorded,
} from './image-refs.js';

export interface DockerImagesOptions {
  docker: Docker;
  logger: Logger;
  /** A pull fails when no progress message came for this long (dockershim's 1 min default). */
  pullProgressTimeoutMs: number;
  /** Docker's data root (GET /info DockerRootDir), for ImageFsInfo. */
  dataRoot: string;
  /** References reported as pinned (the pause image: the kubelet's image GC leaves it alone). */
  pinned?: readonly string[];
  /**
   * containerd's `config_path`: `<dir>/<host>/hosts.toml` (or `<dir>/_default/hosts.toml`)
   * lists mirrors for a registry host. Empty or absent: no mirrors.
   */
  registryConfigDir?: string;
  /** Where repo digests of images pulled through a mirror are recorded (Docker cannot). */
  stateDir?: string;
}

/** ImageService over the Docker Engine (images live in Docker's own store). */
export class DockerImages implements ImageBackend {
  readonly #pinned: string[];
  /** Repo digests of mirror pulls, by image ID. */
  readonly #digests: RecordedDigests;
  constructor(private readonly o: DockerImagesOptions) {
    this.#pinned = (o.pinned ?? []).map(normalized);
    this.#digests = new RecordedDigests(o.stateDir);
  }

  async inspect(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    if (!ref) throw new InvalidArgumentError('image reference is empty');
    // An ID or ID prefix is looked up as given; anything else by its normalized name.
    let name = ref;
    let digestRef: string | undefined;
    if (!/^(sha256:)?[0-9a-f]{6,64}$/.test(ref)) {
      const parsed = parseRef(ref);
      name = formatReference(parsed);
      if (parsed.digest) digestRef = `${parsed.name}@${parsed.digest}`;
    }
    try {
      return await this.o.docker.getImage(name).inspect();
    } catch (err) {
      if (!isDockerNotFound(err)) throw fromDocker(err, `ImageStatus ${ref}`);
    }
    if (digestRef === undefined) return undefined;
    // A repo digest recorded for a mirror pull: look the image up by its ID.
    const found = Object.entries(this.#digests.all()).find(([, ds]) => ds.includes(digestRef));
    if (!found) return undefined;
    try {
      return await this.o.docker.getImage(found[0]).inspect();
    } catch (err) {
      if (isDockerNotFound(err)) return undefined;
      throw fromDocker(err, `ImageStatus ${ref}`);
    }
  }

  async pull(ref: string, auth?: PullAuth): Promise<string> {
    const parsed = parseRef(ref);
    const tag = parsed.digest ?? parsed.tag ?? 'latest';
    const started = Date.now();
    let hosts: ReturnType<typeof loadRegistryHosts>;
    try {
      hosts = loadRegistryHosts(this.o.registryConfigDir ?? '', parsed.domain);
    } catch (err) {
      if (!(err instanceof HostsTomlError)) throw err;
      throw new FailedPreconditionError(
        `PullImage ${ref}: bad registry host config ${err.message}`,
        { cause: err },
      );
    }
    let id: string;
    if (hosts === undefined) {
      await this.#pullAs(`PullImage ${ref}`, parsed.name, tag, registryAuth(auth, parsed.domain));
      const info = await this.inspect(formatReference(parsed));
      if (!info)
        throw new NotFoundError(
          `PullImage ${ref}: pulled, but Docker has no such image afterwards`,
        );
      id = info.Id;
    } else {
      id = await this.#pullThrough(ref, parsed, tag, hosts, auth);
    }
    this.o.logger.info({ image: ref, id, ms: Date.now() - started }, 'image pulled');
    return id;
  }

  /**
   * Tries a hosts.toml's endpoints in order (mirrors, then the upstream server): pulls by
   * `<endpoint host>[/<prefix>]/<path>`, then tags the image with the asked-for name and
   * untags the endpoint's names (so the image is reported as asked for).
   */
  async #pullThrough(
    ref: string,
    parsed: ReturnType<typeof parseDockerRef>,
    tag: string,
    hosts: NonNullable<ReturnType<typeof loadRegistryHosts>>,
    auth: PullAuth,
  ): Promise<string> {
    const want = parsed.digest ? ['pull'] : ['pull', 'resolve'];
    const candidates = hosts.endpoints.filter((ep) =>
      want.every((c) => ep.capabilities.includes(c as RegistryEndpoint['capabilities'][number])),
    );
    if (candidates.length === 0) {
      throw new FailedPreconditionError(
        `PullImage ${ref}: ${hosts.file} lists no endpoint with capabilities ${want.join(', ')}`,
      );
    }
    const failures: string[] = [];
    let allNotFound = true;
    for (const ep of candidates) {
      const direct = isDirect(ep, parsed.domain);
      const repo = direct
        ? parsed.name
        : `${ep.host}/${ep.prefix ? `${ep.prefix}/` : ''}${parsed.path}`;
      const pulledRef = parsed.digest ? `${repo}@${parsed.digest}` : `${repo}:${tag}`;
      const hostname = new URL(`${ep.scheme}://${ep.host}`).hostname;
      if (ep.scheme === 'http' && !isLoopbackHost(hostname)) {
        this.o.logger.debug(
          { endpoint: ep.url },
          'plain HTTP to a non-loopback registry needs it in dockerd insecure-registries',
        );
      }
      if (ep.scheme === 'https' && ep.skipVerify) {
        this.o.logger.debug(
          { endpoint: ep.url },
          'skip_verify needs the registry in dockerd insecure-registries (Docker verifies otherwise)',
        );
      }
      try {
        const before = direct ? new Set<string>() : await this.#refsOfRepo(repo);
        await this.#pullAs(`pull ${pulledRef}`, repo, tag, registryAuth(auth, ep.host));
        const info = await this.inspect(pulledRef);
        if (!info) throw new NotFoundError('pulled, but Docker has no such image afterwards');
        this.o.logger.debug(
          { image: ref, endpoint: ep.url, as: pulledRef },
          'pulled from endpoint',
        );
        return direct ? info.Id : await this.#adopt(parsed, tag, repo, info, before);
      } catch (err) {
        // Docker itself gone: no endpoint will do better.
        if (err instanceof UnavailableError) throw err;
        if (!(err instanceof NotFoundError)) allNotFound = false;
        failures.push(`${ep.url} (as ${pulledRef}): ${(err as Error).message}`);
        this.o.logger.info(
          { image: ref, endpoint: ep.url, err: (err as Error).message },
          'registry endpoint failed, trying the next',
        );
      }
    }
    const msg = `PullImage ${ref}: every endpoint in ${hosts.file} failed: ${failures.join('; ')}`;
    if (allNotFound) throw new NotFoundError(msg);
    throw new InternalError(msg);
  }

  /** Every reference Docker holds (normalized) in repository `repo`. */
  async #refsOfRepo(repo: string): Promise<Set<string>> {
    const want = repositoryOf(repo);
    const out = new Set<string>();
    let images: Docker.ImageInfo[];
    try {
      images = await this.o.docker.listImages({ all: false });
    } catch (err) {
      throw fromDocker(err, 'list images');
    }
    for (const i of images) {
      for (const r of [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]) {
        if (!r.startsWith('<none>') && repositoryOf(r) === want) out.add(normalized(r));
      }
    }
    return out;
  }

  /** Names a mirror-pulled image as asked for and drops the mirror names this pull added. */
  async #adopt(
    parsed: ReturnType<typeof parseDockerRef>,
    tag: string,
    repo: string,
    info: Docker.ImageInspectInfo,
    before: Set<string>,
  ): Promise<string> {
    const mirrorRepo = repositoryOf(repo);
    const mirrorDigest = (info.RepoDigests ?? [])
      .map(normalized)
      .find((d) => repositoryOf(d) === mirrorRepo)
      ?.split('@')[1];
    const manifestDigest = parsed.digest ?? mirrorDigest;
    if (manifestDigest) this.#digests.record(info.Id, repoDigest(parsed, manifestDigest));
    // A pull by digest has no tag to give; its mirror digest reference stays (removing the
    // only reference would delete the image).
    if (parsed.digest) return info.Id;
    try {
      await this.o.docker.getImage(info.Id).tag({ repo: parsed.name, tag });
    } catch (err) {
      throw fromDocker(err, `tag ${info.Id} as ${parsed.name}:${tag}`);
    }
    for (const r of [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])]) {
      const n = normalized(r);
      if (r.startsWith('<none>') || repositoryOf(n) !== mirrorRepo || before.has(n)) continue;
      try {
        await this.o.docker.getImage(r).remove({ noprune: true });
      } catch (err) {
        if (!isDockerNotFound(err)) {
          this.o.logger.warn({ ref: r, err: dockerMessage(err) }, 'cannot untag mirror name');
        }
      }
    }
    return info.Id;
  }

  /** One Docker pull (`POST /images/create`), cancelled without progress for too long. */
  async #pullAs(
    what: string,
    fromImage: string,
    tag: string,
    authconfig: Record<string, string> | undefined,
  ): Promise<void> {
    const stream = (await this.o.docker
      .createImage(authconfig ?? {}, { fromImage, tag })
      .catch((err: unknown) => {
        throw fromDocker(err, what);
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
              `${what}: no progress for ${this.o.pullProgressTimeoutMs} ms, cancelled`,
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
          reject(new NotFoundError(`${what}: ${failure}`));
        else reject(fromDocker({ statusCode: 500, message: failure }, what));
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(fromDocker(err, what));
      });
    });
  }

  async status(ref: string): Promise<DeepPartial<Image> | undefined> {
    const info = await this.inspect(ref);
    return info ? toCriImage(info, this.#pinned, this.#digests.all()[info.Id]) : undefined;
  }

  async list(): Promise<DeepPartial<Image>[]> {
    let images: Docker.ImageInfo[];
    try {
      images = await this.o.docker.listImages({ all: false });
    } catch (err) {
      throw fromDocker(err, 'ListImages');
    }
    const recorded = this.#digests.all();
    return images.map((i) => {
      const repoTags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map(normalized);
      return {
        id: i.Id,
        repoTags,
        repoDigests: withRecorded(i.RepoDigests, recorded[i.Id] ?? []),
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
    this.#digests.forget(info.Id);
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
