import type { ContainerStats, DeepPartial, PodSandboxStats } from '@capstan/cri-api';
import {
  CgroupStatsCache,
  type ContainerRecord,
  cgroupOfPid,
  type Logger,
  networkUsage,
  type SandboxRecord,
  sumUsage,
} from '@capstan/cri-server';
import type Docker from 'dockerode';

/**
 * Container and pod stats from cgroup files (cri-server's CgroupStatsCache), not Docker's
 * stats API (which samples for a second per call); Docker only tells where each container's
 * cgroup is (its PID), once per container.
 */
export class DockerStats {
  readonly #d: Docker;
  readonly #cache: CgroupStatsCache;
  /** Docker ID -> cgroup path. */
  readonly #cgroups = new Map<string, string>();

  constructor(docker: Docker, periodMs: number, logger: Logger) {
    this.#d = docker;
    this.#cache = new CgroupStatsCache(periodMs, logger);
  }

  async #cgroupOf(dockerId: string): Promise<string | undefined> {
    const known = this.#cgroups.get(dockerId);
    if (known) return known;
    const info = await this.#d
      .getContainer(dockerId)
      .inspect()
      .catch(() => undefined);
    if (!info?.State.Running || !info.State.Pid) return undefined;
    const path = cgroupOfPid(info.State.Pid);
    if (path) this.#cgroups.set(dockerId, path);
    return path;
  }

  /** A container's stats; no figures when Docker has no container for it. */
  async containerStats(
    container: ContainerRecord,
    dockerId: string | undefined,
  ): Promise<DeepPartial<ContainerStats>> {
    const usage = dockerId ? await this.#cache.usage(await this.#cgroupOf(dockerId)) : {};
    return {
      attributes: {
        id: container.id,
        metadata: container.config.metadata,
        labels: container.config.labels,
        annotations: container.config.annotations,
      },
      ...usage,
    };
  }

  /**
   * A pod's stats: its cgroup parent's usage (or, without one, the sum of its containers'
   * and its infra container's), its network counters, and its running containers' stats.
   */
  async sandboxStats(
    sandbox: SandboxRecord,
    containers: DeepPartial<ContainerStats>[],
    infraId: string | undefined,
  ): Promise<DeepPartial<PodSandboxStats>> {
    const parent = sandbox.config.linux?.cgroupParent;
    const infraCg = infraId ? await this.#cgroupOf(infraId) : undefined;
    const usage = parent
      ? await this.#cache.usage(parent)
      : sumUsage([...containers, ...(infraCg ? [await this.#cache.usage(infraCg)] : [])]);
    const pid = Number(sandbox.backend.pid);
    const network = pid > 0 && sandbox.network ? networkUsage(pid) : undefined;
    return {
      attributes: {
        id: sandbox.id,
        metadata: sandbox.config.metadata,
        labels: sandbox.config.labels,
        annotations: sandbox.config.annotations,
      },
      linux: { ...usage, ...(network ? { network } : {}), containers },
    };
  }

  /** Forgets a removed container's cgroup. */
  forget(dockerId: string): void {
    this.#cgroups.delete(dockerId);
  }

  /** Stops the background sampling. */
  close(): void {
    this.#cache.close();
  }
}
