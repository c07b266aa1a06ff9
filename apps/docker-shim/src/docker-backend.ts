// length: the one RuntimeBackend over Docker: ID maps, log followers and state shared by all.
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type ContainerStats,
  type DeepPartial,
  type ExecSyncResponse,
  FailedPreconditionError,
  InvalidArgumentError,
  type LinuxContainerResources,
  NotFoundError,
  type PodSandboxStats,
  type RuntimeCondition,
} from '@capstan/cri-api';
import {
  type ContainerLiveState,
  type ContainerRecord,
  type ContainerSpec,
  type ExecExit,
  forwardPort,
  type Logger,
  netnsInode,
  nodeCapabilities,
  type RuntimeBackend,
  removeSandboxFiles,
  type SandboxRecord,
  type SandboxSpec,
  type StreamIO,
  sandboxFilesOf,
  writeSandboxFiles,
} from '@capstan/cri-server';
import type Docker from 'dockerode';
import { containerCreateBody, infraCreateBody, podNamespaces } from './docker-create.js';
import { dockerStatus, fromDocker, isDockerNotFound } from './docker-errors.js';
import { dockerResources } from './docker-resources.js';
import { dockerCapabilities, type NodeCaps } from './docker-security.js';
import { containerLiveState } from './docker-state.js';
import { DockerStats } from './docker-stats.js';
import { execSync } from './exec-sync.js';
import { DockerImages } from './image-backend.js';
import { LABEL, labelFilter } from './labels.js';
import { LogFollower } from './log-follower.js';
import { resumeSince } from './log-format.js';
import { streamAttach } from './streaming-attach.js';
import { streamExec } from './streaming-exec.js';

export interface DockerBackendOptions {
  docker: Docker;
  logger: Logger;
  /** Value of the managed-by label: which shim's objects these are. */
  instance: string;
  /** `--pod-infra-container-image`. */
  podInfraImage: string;
  /** Where per-sandbox resolv.conf / hosts / hostname live. */
  stateDir: string;
  sysctlWhitelist: readonly string[];
  /** Lowest oom_score_adj to ask for (restrict_oom_score_adj); undefined: no floor. */
  oomScoreFloor: number | undefined;
  statsPeriodMs: number;
  pullProgressTimeoutMs: number;
  /** containerd-style `certs.d` dir of `<host>/hosts.toml` registry mirror files ('' = none). */
  registryConfigDir?: string;
  /** From `docker version` / `docker info`, read once at startup. */
  version: string;
  dataRoot: string;
  /** Capabilities the node can grant (default: the shim's bounding set, as Docker knows them). */
  nodeCaps?: NodeCaps;
}

/** How long a ContainerStatus waits for an exited container's log to be drained. */
const LOG_DRAIN_MS = 3_000;
/** How long one listing of the infra containers answers sandboxRunning. */
const INFRA_LIST_TTL_MS = 250;

const waitAtMost = (p: Promise<unknown>, ms: number) =>
  Promise.race([p, new Promise((r) => setTimeout(r, ms).unref())]);

/**
 * The CRI RuntimeBackend over the Docker Engine: a sandbox is an infra (pause) container,
 * a container a Docker container joining its namespaces; CRI metadata rides on Docker
 * labels; logs are followed from Docker into CRI log files; stats come from cgroups.
 */
export class DockerBackend implements RuntimeBackend {
  readonly runtimeName = 'docker';
  readonly runtimeVersion: string;
  readonly images: DockerImages;
  readonly #d: Docker;
  readonly #o: DockerBackendOptions;
  readonly #followers = new Map<string, LogFollower>();
  /** Containers this process has looked at (recovery resumes their logs once). */
  readonly #seen = new Set<string>();
  /** CRI ID -> Docker ID, for records whose backend data was lost in a crash. */
  readonly #byLabel = new Map<string, string>();
  readonly #infraStarted = new Map<string, number>();
  #infraList: { at: number; running: Promise<Set<string>> } | undefined;
  readonly #stats: DockerStats;
  readonly #nodeCaps: NodeCaps;
  /** Containers being created or started now, and when each last changed (ms). */
  readonly #busy = new Set<string>();
  readonly #changedAt = new Map<string, number>();
  /** Streaming sessions in progress (close() waits for them to wind down). */
  readonly #sessions = new Set<Promise<unknown>>();

  constructor(o: DockerBackendOptions) {
    this.#o = o;
    this.#d = o.docker;
    this.runtimeVersion = o.version;
    this.images = new DockerImages({
      docker: o.docker,
      logger: o.logger,
      pullProgressTimeoutMs: o.pullProgressTimeoutMs,
      dataRoot: o.dataRoot,
      pinned: [o.podInfraImage],
      registryConfigDir: o.registryConfigDir ?? '',
      stateDir: o.stateDir,
    });
    this.#stats = new DockerStats(o.docker, o.statsPeriodMs, o.logger);
    const known = dockerCapabilities(o.version);
    const bounding = nodeCapabilities();
    this.#nodeCaps = o.nodeCaps ?? {
      grantable: bounding.filter((c) => known.includes(c)),
      nativePrivileged: known.every((c) => bounding.includes(c)),
    };
  }

  async status(): Promise<RuntimeCondition[]> {
    try {
      await this.#d.ping();
      return [{ type: 'RuntimeReady', status: true, reason: '', message: '' }];
    } catch (err) {
      return [
        {
          type: 'RuntimeReady',
          status: false,
          reason: 'DockerDaemonNotReady',
          message: `docker ping failed: ${(err as Error).message}`,
        },
      ];
    }
  }

  // --- Docker IDs -------------------------------------------------------------------------

  /** The Docker ID of a CRI object: from its record, else found by its labels. */
  async #dockerId(criId: string, backend: Record<string, string>): Promise<string | undefined> {
    if (backend.dockerId) return backend.dockerId;
    const known = this.#byLabel.get(criId);
    if (known) return known;
    const found = await this.#d
      .listContainers({ all: true, filters: labelFilter(this.#o.instance, undefined, criId) })
      .catch((err: unknown) => {
        throw fromDocker(err, `looking up ${criId}`);
      });
    const id = found[0]?.Id;
    if (id) this.#byLabel.set(criId, id);
    return id;
  }

  async #removeDocker(dockerId: string, what: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#d.getContainer(dockerId).remove({ force: true, v: true });
        return;
      } catch (err) {
        if (isDockerNotFound(err)) return;
        // 409 "removal already in progress": Docker is doing it; wait for it to finish.
        if (dockerStatus(err) === 409 && attempt < 50) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw fromDocker(err, what);
      }
    }
  }

  // --- sandboxes --------------------------------------------------------------------------

  /** The pause image's ID: looked up (pulled when absent) once, then again only if it fails. */
  #infraImage: Promise<string> | undefined;
  async #ensureImage(ref: string): Promise<string> {
    this.#infraImage ??= this.images.inspect(ref).then((info) => info?.Id ?? this.images.pull(ref));
    try {
      return await this.#infraImage;
    } catch (err) {
      this.#infraImage = undefined;
      throw err;
    }
  }

  async runSandbox(
    spec: SandboxSpec,
  ): Promise<{ backend: Record<string, string>; netnsPath?: string }> {
    const body = infraCreateBody({
      id: spec.id,
      config: spec.config,
      image: '',
      instance: this.#o.instance,
      sysctlWhitelist: this.#o.sysctlWhitelist,
      oomFloor: this.#o.oomScoreFloor,
      nodeCaps: this.#nodeCaps,
    });
    body.Image = await this.#ensureImage(this.#o.podInfraImage);
    const ns = podNamespaces(spec.config);
    let dockerId: string | undefined;
    try {
      const created = await this.#d.createContainer(body).catch((err: unknown) => {
        // The pause image was removed behind our back: look it up again next time.
        if (isDockerNotFound(err)) this.#infraImage = undefined;
        throw fromDocker(err, `RunPodSandbox: creating the infra container of ${spec.id}`);
      });
      dockerId = created.id;
      this.#byLabel.set(spec.id, dockerId);
      writeSandboxFiles(this.#filesRoot(), spec.id, spec.config, { hostNetwork: ns.hostNetwork });
      await created.start().catch((err: unknown) => {
        throw fromDocker(err, `RunPodSandbox: starting the infra container of ${spec.id}`);
      });
      this.#infraStarted.set(dockerId, Date.now());
      const info = await created.inspect();
      const pid = info.State.Pid;
      const backend: Record<string, string> = { dockerId, pid: String(pid) };
      if (ns.hostNetwork) return { backend };
      const netnsPath = `/proc/${pid}/ns/net`;
      backend.netnsPath = netnsPath;
      const ino = netnsInode(netnsPath);
      if (ino) backend.netnsInode = ino;
      return { backend, netnsPath };
    } catch (err) {
      if (dockerId) await this.#removeDocker(dockerId, 'cleanup').catch(() => {});
      removeSandboxFiles(this.#filesRoot(), spec.id);
      throw err;
    }
  }

  async stopSandbox(sandbox: SandboxRecord): Promise<void> {
    const id = await this.#dockerId(sandbox.id, sandbox.backend);
    if (!id) return;
    this.#infraStarted.delete(id);
    try {
      await this.#d.getContainer(id).stop({ t: 2 });
    } catch (err) {
      // CRI: stopping a stopped or vanished sandbox succeeds.
      if (isDockerNotFound(err) || dockerStatus(err) === 304) return;
      throw fromDocker(err, `StopPodSandbox ${sandbox.id}`);
    }
  }

  async removeSandbox(sandbox: SandboxRecord): Promise<void> {
    const id = await this.#dockerId(sandbox.id, sandbox.backend);
    if (id) {
      await this.#removeDocker(id, `RemovePodSandbox ${sandbox.id}`);
      this.#infraStarted.delete(id);
    }
    this.#byLabel.delete(sandbox.id);
    removeSandboxFiles(this.#filesRoot(), sandbox.id);
  }

  async sandboxRunning(sandbox: SandboxRecord): Promise<boolean> {
    const id = await this.#dockerId(sandbox.id, sandbox.backend);
    if (!id) return false;
    const now = Date.now();
    if (!this.#infraList || now - this.#infraList.at > INFRA_LIST_TTL_MS) {
      const running = this.#d
        .listContainers({ all: false, filters: labelFilter(this.#o.instance, 'sandbox') })
        .then((list) => new Set(list.map((c) => c.Id)));
      running.catch(() => {});
      this.#infraList = { at: now, running };
    }
    const list = this.#infraList;
    // Started after the listing was asked for: running as far as this listing can tell.
    if ((this.#infraStarted.get(id) ?? 0) >= list.at) return true;
    try {
      return (await list.running).has(id);
    } catch (err) {
      this.#infraList = undefined;
      throw fromDocker(err, 'listing infra containers');
    }
  }

  #filesRoot(): string {
    return join(this.#o.stateDir, 'sandboxes');
  }

  // --- containers -------------------------------------------------------------------------

  async createContainer(spec: ContainerSpec): Promise<{ backend: Record<string, string> }> {
    const sandbox = spec.sandbox;
    const infraId = await this.#dockerId(sandbox.id, sandbox.backend);
    if (!infraId)
      throw new NotFoundError(
        `CreateContainer: the infra container of sandbox ${sandbox.id} is gone`,
      );
    const ns = podNamespaces(sandbox.config);
    // Rewritten now that the pod IP is known (hosts gets `<ip> <hostname>`).
    const files = writeSandboxFiles(this.#filesRoot(), sandbox.id, sandbox.config, {
      hostNetwork: ns.hostNetwork,
      ...(sandbox.network?.ip ? { ip: sandbox.network.ip } : {}),
    });
    const targetCri = spec.config.linux?.securityContext?.namespaceOptions?.targetId;
    const targetId = targetCri ? await this.#dockerId(targetCri, {}) : undefined;
    const body = containerCreateBody({
      id: spec.id,
      config: spec.config,
      sandboxId: sandbox.id,
      sandboxConfig: sandbox.config,
      infraId,
      ...(targetId ? { targetId } : {}),
      image: spec.imageId,
      logPath: spec.logPath,
      instance: this.#o.instance,
      files,
      oomFloor: this.#o.oomScoreFloor,
      nodeCaps: this.#nodeCaps,
    });
    this.#busy.add(spec.id);
    let created: Docker.Container;
    try {
      created = await this.#d.createContainer(body).catch((err: unknown) => {
        throw fromDocker(
          err,
          `CreateContainer ${spec.config.metadata?.name} in sandbox ${sandbox.id}`,
        );
      });
    } finally {
      this.#busy.delete(spec.id);
      this.#changedAt.set(spec.id, Date.now());
    }
    this.#byLabel.set(spec.id, created.id);
    return { backend: { dockerId: created.id, ...(spec.config.tty ? { tty: '1' } : {}) } };
  }

  async startContainer(container: ContainerRecord): Promise<void> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) throw new NotFoundError(`StartContainer: Docker has no container for ${container.id}`);
    this.#busy.add(container.id);
    try {
      await this.#d.getContainer(id).start();
    } catch (err) {
      throw fromDocker(err, `StartContainer ${container.id}`);
    } finally {
      this.#busy.delete(container.id);
      this.#changedAt.set(container.id, Date.now());
    }
    this.#seen.add(container.id);
    this.#follow(container, id, undefined);
  }

  async startFailure(container: ContainerRecord): Promise<ContainerLiveState | undefined> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) return undefined;
    const live = containerLiveState(await this.#d.getContainer(id).inspect());
    return live.state === 'exited' ? live : undefined;
  }

  #follow(
    container: ContainerRecord,
    dockerId: string,
    since: string | undefined,
  ): LogFollower | undefined {
    if (!container.logPath) return undefined;
    const running = this.#followers.get(container.id);
    if (running) return running;
    const f = new LogFollower(this.#d, dockerId, container.logPath, {
      tty: container.backend.tty === '1' || container.config.tty,
      ...(since !== undefined ? { since } : {}),
      logger: this.#o.logger,
    });
    this.#followers.set(container.id, f);
    return f;
  }

  async stopContainer(container: ContainerRecord, timeoutSec: number): Promise<void> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) return;
    try {
      await this.#d.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSec)) });
    } catch (err) {
      if (isDockerNotFound(err) || dockerStatus(err) === 304) return;
      throw fromDocker(err, `StopContainer ${container.id}`);
    }
  }

  async removeContainer(container: ContainerRecord): Promise<void> {
    const f = this.#followers.get(container.id);
    if (f) {
      await waitAtMost(f.done, 500);
      f.stop();
      this.#followers.delete(container.id);
    }
    const id = await this.#dockerId(container.id, container.backend);
    if (id) {
      await this.#removeDocker(id, `RemoveContainer ${container.id}`);
      this.#stats.forget(id);
    }
    this.#byLabel.delete(container.id);
    this.#seen.delete(container.id);
    this.#changedAt.delete(container.id);
  }

  async containerStates(
    containers: readonly ContainerRecord[],
  ): Promise<Map<string, ContainerLiveState>> {
    const out = new Map<string, ContainerLiveState>();
    if (containers.length === 0) return out;
    const listedAt = Date.now();
    let listed: Docker.ContainerInfo[];
    try {
      listed = await this.#d.listContainers({
        all: true,
        filters: labelFilter(this.#o.instance, 'container'),
      });
    } catch (err) {
      throw fromDocker(err, 'listing containers');
    }
    const byCri = new Map(listed.map((c) => [c.Labels[LABEL.id] ?? '', c]));
    await Promise.all(
      containers.map(async (record) => {
        // Created or started while the listing was on its way: it cannot tell; say nothing.
        if (this.#busy.has(record.id) || (this.#changedAt.get(record.id) ?? 0) >= listedAt) return;
        const info = byCri.get(record.id);
        if (!info) {
          out.set(record.id, {
            state: 'unknown',
            reason: 'Unknown',
            message: 'Docker has no container for it',
          });
          return;
        }
        this.#byLabel.set(record.id, info.Id);
        const firstLook = !this.#seen.has(record.id);
        this.#seen.add(record.id);
        if (info.State === 'created') {
          out.set(record.id, { state: 'created' });
          return;
        }
        // After a restart: resume the log where the file ends.
        if (firstLook && record.logPath) this.#follow(record, info.Id, resumeSince(record.logPath));
        if (info.State === 'running' || info.State === 'paused' || info.State === 'restarting') {
          out.set(record.id, { state: 'running' });
          return;
        }
        // Exited: report it once the log holds everything it printed.
        const f = this.#followers.get(record.id);
        if (f) await waitAtMost(f.done, LOG_DRAIN_MS);
        try {
          out.set(record.id, containerLiveState(await this.#d.getContainer(info.Id).inspect()));
        } catch (err) {
          if (!isDockerNotFound(err)) throw fromDocker(err, `inspecting ${record.id}`);
          out.set(record.id, {
            state: 'unknown',
            reason: 'Unknown',
            message: 'removed from Docker meanwhile',
          });
        }
      }),
    );
    return out;
  }

  async execSync(
    container: ContainerRecord,
    cmd: string[],
    timeoutSec: number,
  ): Promise<DeepPartial<ExecSyncResponse>> {
    if (!(timeoutSec >= 0))
      throw new InvalidArgumentError(`ExecSync: timeout ${timeoutSec} is negative`);
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) throw new NotFoundError(`ExecSync: Docker has no container for ${container.id}`);
    return execSync(this.#d, id, cmd, timeoutSec);
  }

  async updateContainerResources(
    container: ContainerRecord,
    resources: LinuxContainerResources,
  ): Promise<void> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id)
      throw new NotFoundError(
        `UpdateContainerResources: Docker has no container for ${container.id}`,
      );
    const update = dockerResources(resources);
    try {
      await this.#d.getContainer(id).update(update);
    } catch (err) {
      throw fromDocker(err, `UpdateContainerResources ${container.id}`);
    }
  }

  async reopenContainerLog(container: ContainerRecord): Promise<void> {
    const f = this.#followers.get(container.id);
    if (f) {
      f.reopen();
      return;
    }
    const id = await this.#dockerId(container.id, container.backend);
    if (id) this.#follow(container, id, resumeSince(container.logPath));
  }

  // --- streaming (the server validated the request and checked the container runs) --------

  async exec(container: ContainerRecord, cmd: readonly string[], io: StreamIO): Promise<ExecExit> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) throw new NotFoundError(`Exec: Docker has no container for ${container.id}`);
    return this.#session(streamExec(this.#d, id, cmd, io));
  }

  async attach(container: ContainerRecord, io: StreamIO): Promise<void> {
    const id = await this.#dockerId(container.id, container.backend);
    if (!id) throw new NotFoundError(`Attach: Docker has no container for ${container.id}`);
    const tty = container.backend.tty === '1' || container.config.tty;
    return this.#session(streamAttach(this.#d, id, tty, io));
  }

  async portForward(
    sandbox: SandboxRecord,
    port: number,
    stream: Duplex,
    signal: AbortSignal,
  ): Promise<void> {
    const id = await this.#dockerId(sandbox.id, sandbox.backend);
    if (!id) throw new NotFoundError(`PortForward: the infra container of ${sandbox.id} is gone`);
    // The pause process's netns, read now: a recorded PID may be stale after a restart.
    const info = await this.#d
      .getContainer(id)
      .inspect()
      .catch((err: unknown) => {
        throw fromDocker(err, `PortForward: inspecting the infra container of ${sandbox.id}`);
      });
    if (!info.State.Running || !(info.State.Pid > 0)) {
      throw new FailedPreconditionError(`PortForward: sandbox ${sandbox.id} is not running`);
    }
    return this.#session(forwardPort(`/proc/${info.State.Pid}/ns/net`, port, stream, signal));
  }

  #session<T>(p: Promise<T>): Promise<T> {
    this.#sessions.add(p);
    const forget = () => this.#sessions.delete(p);
    p.then(forget, forget);
    return p;
  }

  // --- stats (read from cgroups: docker-stats.ts) -------------------------------------------

  async containerStats(container: ContainerRecord): Promise<DeepPartial<ContainerStats>> {
    return this.#stats.containerStats(
      container,
      await this.#dockerId(container.id, container.backend),
    );
  }

  async sandboxStats(
    sandbox: SandboxRecord,
    containers: readonly ContainerRecord[],
  ): Promise<DeepPartial<PodSandboxStats>> {
    const running = containers.filter((c) => c.state === 'running');
    const stats = await Promise.all(running.map((c) => this.containerStats(c)));
    return this.#stats.sandboxStats(
      sandbox,
      stats,
      await this.#dockerId(sandbox.id, sandbox.backend),
    );
  }

  // --- recovery ---------------------------------------------------------------------------

  async inventory(): Promise<{ sandboxIds: string[]; containerIds: string[] }> {
    let all: Docker.ContainerInfo[];
    try {
      all = await this.#d.listContainers({ all: true, filters: labelFilter(this.#o.instance) });
    } catch (err) {
      throw fromDocker(err, 'listing Docker containers for recovery');
    }
    const ids = (type: string) =>
      all
        .filter((c) => c.Labels[LABEL.type] === type)
        .map((c) => {
          const id = c.Labels[LABEL.id] ?? '';
          this.#byLabel.set(id, c.Id);
          return id;
        });
    return { sandboxIds: ids('sandbox'), containerIds: ids('container') };
  }

  /**
   * Waits (up to 3 s) for streaming sessions to wind down, then stops following logs (the
   * containers keep running) and the stats timer.
   */
  async close(): Promise<void> {
    // Sessions whose clients were cut off (the streaming server closed first) are killing
    // their exec'd processes: let them finish, briefly.
    await waitAtMost(Promise.allSettled([...this.#sessions]), 3_000);
    for (const f of this.#followers.values()) f.stop();
    this.#followers.clear();
    this.#stats.close();
  }

  /** For tests: the Docker ID the backend uses for a CRI ID. */
  dockerIdOf(criId: string): string | undefined {
    return this.#byLabel.get(criId);
  }

  /** Per-sandbox file paths (for tests). */
  sandboxFiles(id: string) {
    return sandboxFilesOf(this.#filesRoot(), id);
  }
}
