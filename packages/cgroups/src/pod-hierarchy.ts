import { joinCgroupPath } from './cgroup-path.js';
import { NotFoundError } from './errors.js';
import { type CgroupLogger, silentLogger } from './logger.js';
import type { CgroupManager, WaitOptions } from './manager.js';
import {
  computeNodeAllocatable,
  type NodeAllocatable,
  type NodeAllocatableConfig,
} from './node-allocatable.js';
import { type CgroupDriver, PodCgroupNaming, validatePodUid } from './pod-naming.js';
import {
  aggregatePodResources,
  milliCpuToShares,
  type PodCgroupResourceOptions,
  podCgroupResources,
} from './pod-resources.js';
import { computePodQos, type PodResourcesSpec, type QosClass } from './qos.js';
import type { LinuxResources } from './resources.js';
import { MIN_CPU_SHARES } from './resources-validate.js';

/** Options of {@link PodCgroupHierarchy}. */
export interface PodCgroupHierarchyOptions extends PodCgroupResourceOptions {
  /** The manager that touches the cgroups (v1 or v2). */
  manager: CgroupManager;
  /** Naming: `cgroupfs` (default) or `systemd` slices. */
  driver?: CgroupDriver;
  /** The root name; `kubepods` in production, something unique in tests. */
  root?: string;
  /** A plain cgroup path to put the hierarchy under (default `/`). */
  parent?: string;
  /** Where to report what happened. */
  logger?: CgroupLogger;
}

/** A pod cgroup that exists. */
export interface PodCgroup {
  /** The pod UID. */
  uid: string;
  /** The QoS class (which decides the parent cgroup). */
  qos: QosClass;
  /** The cgroup path. */
  path: string;
  /** The resources set on it (for a listed pod: read back from the kernel). */
  resources: LinuxResources;
}

const QOS_CLASSES: readonly QosClass[] = ['Guaranteed', 'Burstable', 'BestEffort'];

/**
 * The kubelet's pod cgroup hierarchy: a root (`kubepods`) with Node Allocatable enforced on
 * it, `burstable` and `besteffort` QoS cgroups under it, and one `pod<uid>` cgroup per pod
 * under its QoS cgroup (Guaranteed pods directly under the root). Works on either manager
 * and either naming driver.
 */
export class PodCgroupHierarchy {
  /** The naming in use. */
  readonly naming: PodCgroupNaming;
  readonly #manager: CgroupManager;
  readonly #logger: CgroupLogger;
  readonly #resourceOptions: PodCgroupResourceOptions;

  /**
   * Describe the hierarchy (nothing is created until {@link ensure} or {@link createPod}).
   *
   * @throws {InvalidArgumentError} for a bad driver, root or parent.
   */
  constructor(options: PodCgroupHierarchyOptions) {
    this.naming = new PodCgroupNaming(
      options.driver ?? 'cgroupfs',
      options.root ?? 'kubepods',
      options.parent ?? '/',
    );
    this.#manager = options.manager;
    this.#logger = options.logger ?? silentLogger;
    this.#resourceOptions = {
      ...(options.cpuPeriodUs !== undefined ? { cpuPeriodUs: options.cpuPeriodUs } : {}),
      ...(options.enforceCpuLimits !== undefined
        ? { enforceCpuLimits: options.enforceCpuLimits }
        : {}),
    };
  }

  /** The root cgroup path. */
  get rootPath(): string {
    return this.naming.rootPath();
  }

  /** The cgroup path of a QoS class. */
  qosPath(qos: QosClass): string {
    return this.naming.qosPath(qos);
  }

  /** The cgroup path of a pod. */
  podPath(qos: QosClass, uid: string): string {
    return this.naming.podPath(qos, uid);
  }

  /**
   * Create (or bring up to date) the root and the QoS cgroups. With `allocatable`, Node
   * Allocatable is computed and enforced on the root (cpu shares, memory limit, pids);
   * without it the root gets no limits. `besteffort` gets the minimum 2 shares.
   */
  async ensure(allocatable?: NodeAllocatableConfig): Promise<NodeAllocatable | undefined> {
    const computed = allocatable ? computeNodeAllocatable(allocatable) : undefined;
    await this.#ensure(this.rootPath, computed?.resources ?? {});
    await this.#ensure(this.qosPath('Burstable'), {});
    await this.#ensure(this.qosPath('BestEffort'), { cpu: { shares: MIN_CPU_SHARES } });
    this.#logger.info?.(
      { root: this.rootPath, allocatable: computed?.cgroupLimit },
      'pod cgroup hierarchy ready',
    );
    return computed;
  }

  async #ensure(path: string, resources: LinuxResources): Promise<void> {
    if (await this.#manager.exists(path)) {
      if (Object.keys(resources).length) await this.#manager.update(path, resources);
    } else {
      await this.#manager.create(path, resources, { existOk: true });
    }
  }

  /**
   * Create the pod's cgroup under its QoS cgroup with the kubelet's pod-level resources, or
   * update it when it exists. Everything is validated before anything is created.
   */
  async createPod(pod: PodResourcesSpec): Promise<PodCgroup> {
    validatePodUid(pod.uid);
    const { qos, resources } = podCgroupResources(pod, this.#resourceOptions);
    const path = this.podPath(qos, pod.uid);
    await this.#ensure(path, resources);
    this.#logger.debug?.({ uid: pod.uid, qos, path }, 'pod cgroup ready');
    return { uid: pod.uid, qos, path, resources };
  }

  /**
   * Update the QoS cgroups from the active pods, as the kubelet's QoS container manager
   * does: `burstable` gets shares for the sum of Burstable pods' cpu requests, `besteffort`
   * keeps 2 shares.
   */
  async updateQos(activePods: readonly PodResourcesSpec[]): Promise<{ burstableShares: number }> {
    let burstableMilli = 0n;
    for (const pod of activePods) {
      if (computePodQos(pod) !== 'Burstable') continue;
      burstableMilli +=
        ((aggregatePodResources(pod, 'requests').get('cpu') ?? 0n) + 999_999n) / 1_000_000n;
    }
    const burstableShares = milliCpuToShares(Number(burstableMilli));
    await this.#manager.update(this.qosPath('Burstable'), { cpu: { shares: burstableShares } });
    await this.#manager.update(this.qosPath('BestEffort'), { cpu: { shares: MIN_CPU_SHARES } });
    return { burstableShares };
  }

  /** Find a pod's cgroup in any QoS class. */
  async findPod(uid: string): Promise<{ qos: QosClass; path: string } | undefined> {
    validatePodUid(uid);
    for (const qos of QOS_CLASSES) {
      const path = this.podPath(qos, uid);
      if (await this.#manager.exists(path)) return { qos, path };
    }
    return undefined;
  }

  /** Every pod cgroup in the hierarchy, with its resources read back. */
  async listPods(): Promise<PodCgroup[]> {
    const out: PodCgroup[] = [];
    for (const qos of QOS_CLASSES) {
      const parent = this.qosPath(qos);
      if (!(await this.#manager.exists(parent))) continue;
      for (const name of await this.#manager.children(parent)) {
        const uid = this.naming.podUidOf(name);
        if (!uid) continue;
        const path = joinCgroupPath(parent, name);
        if (this.naming.podPath(qos, uid) !== path) continue;
        out.push({ uid, qos, path, resources: await this.#manager.resources(path) });
      }
    }
    return out;
  }

  /**
   * Kill every process of the pod and remove its cgroup (and its container cgroups).
   *
   * @throws {NotFoundError} when the pod has no cgroup.
   */
  async deletePod(uid: string, options: WaitOptions = {}): Promise<void> {
    const found = await this.findPod(uid);
    if (!found) throw new NotFoundError(`pod ${uid} has no cgroup under ${this.rootPath}`);
    await this.#manager.destroy(found.path, options);
  }

  /** Kill everything in the hierarchy and remove it, root included. */
  async teardown(options: WaitOptions = {}): Promise<void> {
    await this.#manager.destroy(this.rootPath, options);
  }
}
