import { joinCgroupPath, normalizeCgroupPath, validateCgroupName } from './cgroup-path.js';
import { InvalidArgumentError } from './errors.js';
import type { QosClass } from './qos.js';

/** How cgroup names are spelled: plain directories, or systemd slices. */
export type CgroupDriver = 'cgroupfs' | 'systemd';

const UID_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,126}[A-Za-z0-9])?$/;

/**
 * Check a pod UID before it becomes a cgroup name: letters, digits and dashes (UUIDs and the
 * hashes static pods use), 1..128 characters; so no `/`, no `..`, no `_`.
 *
 * @throws {InvalidArgumentError}
 */
export function validatePodUid(uid: string): void {
  if (typeof uid !== 'string' || !UID_RE.test(uid)) {
    throw new InvalidArgumentError(
      `pod uid ${JSON.stringify(uid)} is invalid: use letters, digits and '-' only (no '/', '..' or '_'), 1..128 characters`,
    );
  }
}

/** The QoS cgroup name under the root: Guaranteed pods sit directly under the root. */
const QOS_DIR: Record<QosClass, string | undefined> = {
  Guaranteed: undefined,
  Burstable: 'burstable',
  BestEffort: 'besteffort',
};

/**
 * Names of the kubelet's pod hierarchy for one driver. With root `kubepods`:
 * - cgroupfs: `/kubepods`, `/kubepods/burstable`, `/kubepods/burstable/pod<uid>`,
 *   Guaranteed pods at `/kubepods/pod<uid>`;
 * - systemd: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice`,
 *   each component's `-` escaped to `_` (the kubelet's `ToSystemd` + `ExpandSlice`).
 * `parent` (default `/`) is a plain cgroup path the hierarchy is placed under.
 */
export class PodCgroupNaming {
  /** The driver. */
  readonly driver: CgroupDriver;
  /** The root name (`kubepods`). */
  readonly root: string;
  /** The parent path. */
  readonly parent: string;

  /**
   * @param driver - `cgroupfs` or `systemd`.
   * @param root - the root name, one path component (`kubepods`).
   * @param parent - a plain cgroup path to place the hierarchy under.
   * @throws {InvalidArgumentError} for a bad driver, root or parent.
   */
  constructor(driver: CgroupDriver, root = 'kubepods', parent = '/') {
    if (driver !== 'cgroupfs' && driver !== 'systemd')
      throw new InvalidArgumentError(
        `cgroup driver ${JSON.stringify(driver)} is not cgroupfs or systemd`,
      );
    validateCgroupName(root, 'hierarchy root');
    if (driver === 'systemd' && root.endsWith('.slice'))
      throw new InvalidArgumentError(
        `hierarchy root ${JSON.stringify(root)}: give the name without .slice`,
      );
    this.driver = driver;
    this.root = root;
    this.parent = normalizeCgroupPath(parent);
  }

  /** The cgroup path of a sequence of kubelet name components (`['kubepods', 'burstable']`). */
  #path(components: string[]): string {
    if (this.driver === 'cgroupfs')
      return components.reduce((p, c) => joinCgroupPath(p, c), this.parent);
    let p = this.parent;
    const escaped = components.map((c) => c.replaceAll('-', '_'));
    for (let i = 1; i <= escaped.length; i++)
      p = joinCgroupPath(p, `${escaped.slice(0, i).join('-')}.slice`);
    return p;
  }

  /** The root of the hierarchy (node allocatable is enforced here). */
  rootPath(): string {
    return this.#path([this.root]);
  }

  /** The QoS cgroup (the root itself for Guaranteed). */
  qosPath(qos: QosClass): string {
    const dir = QOS_DIR[qos];
    return this.#path(dir ? [this.root, dir] : [this.root]);
  }

  /** The pod cgroup. */
  podPath(qos: QosClass, uid: string): string {
    validatePodUid(uid);
    const dir = QOS_DIR[qos];
    return this.#path(dir ? [this.root, dir, `pod${uid}`] : [this.root, `pod${uid}`]);
  }

  /** The pod UID a child cgroup name stands for, or undefined when it is not a pod cgroup. */
  podUidOf(name: string): string | undefined {
    if (this.driver === 'cgroupfs') return /^pod([A-Za-z0-9-]+)$/.exec(name)?.[1];
    const m = /-pod([A-Za-z0-9_]+)\.slice$/.exec(name);
    return m?.[1]?.replaceAll('_', '-');
  }
}
