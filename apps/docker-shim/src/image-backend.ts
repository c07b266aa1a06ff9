import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
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
import {
  formatReference,
  parseDockerRef,
  parseNormalizedReference,
  repoDigest,
} from '@capstan/image-id';
import {
  HostsTomlError,
  isDirect,
  isLoopbackHost,
  loadRegistryHosts,
  type RegistryEndpoint,
} from '@capstan/image-store';
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
  /**
   * containerd's `config_path`: `<dir>/<host>/hosts.toml` (or `<dir>/_default/hosts.toml`)
   * lists mirrors for a registry host. Empty or absent: no mirrors.
   */
  registryConfigDir?: string;
  /** Where repo digests of images pulled through a mirror are recorded (Docker cannot). */
  stateDir?: string;
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
function withRecorded(
  docker: readonly string[] | undefined,
  recorded: readonly string[],
): string[] {
  const out = (docker ?? []).filter((d) => !d.startsWith('<none>')).map(normalized);
  for (const d of recorded) if (!out.includes(d)) out.push(d);
  return out;
}

/** The repository part of a stored reference, normalized (`busybox@sha256:…` → `docker.io/library/busybox`). */
function repositoryOf(stored: string): string | undefined {
  try {
    return parseNormalizedReference(stored).name;
  } catch {
    return undefined;
  }
}

/** ImageService over the Docker Engine (images live in Docker's own store). */
export class DockerImages implements ImageBackend {
  readonly #pinned: string[];
  /** Repo digests of mirror pulls by image ID, when there is no state dir to keep them in. */
  readonly #memoryDigests: Record<string, string[]> = {};
  constructor(private readonly o: DockerImagesOptions) {
    this.#pinned = (o.pinned ?? []).map(normalized);
  }

  get #digestsFile(): string | undefined {
    return this.o.stateDir ? join(this.o.stateDir, 'images', 'repo-digests.json') : undefined;
  }

  /**
   * Repo digests Docker cannot hold: an image pulled through a mirror is tagged with the
   * asked-for name, but Docker only records digests of the name it pulled by (a mirror's).
   */
  #recorded(): Record<string, string[]> {
    const file = this.#digestsFile;
    if (!file) return this.#memoryDigests;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return parsed !== null && typeof parsed === 'object'
        ? (parsed as Record<string, string[]>)
        : {};
    } catch {
      return {};
    }
  }

  #saveRecorded(all: Record<string, string[]>): void {
    const file = this.#digestsFile;
    if (!file) return;
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(all)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  #record(id: string, digest: string): void {
    const all = this.#recorded();
    const list = all[id] ?? [];
    const repo = repositoryOf(digest);
    // One digest per repository, the latest pull's (as a tag moves).
    all[id] = [...list.filter((d) => repositoryOf(d) !== repo), digest];
    this.#saveRecorded(all);
  }

  #forget(id: string): void {
    const all = this.#recorded();
    if (all[id] === undefined) return;
    delete all[id];
    this.#saveRecorded(all);
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
    const found = Object.entries(this.#recorded()).find(([, ds]) => ds.includes(digestRef));
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
    if (manifestDigest) this.#record(info.Id, repoDigest(parsed, manifestDigest));
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
    return info ? toCriImage(info, this.#pinned, this.#recorded()[info.Id]) : undefined;
  }

  async list(): Promise<DeepPartial<Image>[]> {
    let images: Docker.ImageInfo[];
    try {
      images = await this.o.docker.listImages({ all: false });
    } catch (err) {
      throw fromDocker(err, 'ListImages');
    }
    const recorded = this.#recorded();
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
    this.#forget(info.Id);
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
