import type { CgroupManager, CgroupManagerBaseOptions, CgroupVersion } from './manager.js';
import { CgroupV1Manager, type CgroupV1ManagerOptions } from './manager-v1.js';
import { CgroupV2Manager, type CgroupV2ManagerOptions } from './manager-v2.js';
import { type CgroupMounts, detectCgroupMounts } from './mount-info.js';

/** Options of {@link createCgroupManager}. */
export interface CreateCgroupManagerOptions extends CgroupManagerBaseOptions {
  /**
   * Which backend: `auto` (default) picks v2 on a unified system and v1 on v1 and hybrid
   * systems (in hybrid mode the controllers live in the v1 hierarchies); 1 or 2 forces one
   * (2 on a hybrid system uses the cgroup2 mount, usually without controllers).
   */
  version?: CgroupVersion | 'auto';
  /** The cgroup mounts; read from /proc/self/mountinfo by default. */
  mounts?: CgroupMounts;
  /** v1: controllers to manage. v2: controllers to enable down created paths. */
  controllers?: readonly string[];
}

/** Build the right {@link CgroupManager} for this machine. */
export function createCgroupManager(options: CreateCgroupManagerOptions = {}): CgroupManager {
  const mounts = options.mounts ?? detectCgroupMounts();
  const version = options.version ?? 'auto';
  const useV2 = version === 2 || (version === 'auto' && mounts.mode === 'unified');
  const base = {
    mounts,
    ...(options.fs ? { fs: options.fs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.controllers ? { controllers: options.controllers } : {}),
  };
  return useV2
    ? new CgroupV2Manager(base satisfies CgroupV2ManagerOptions)
    : new CgroupV1Manager(base satisfies CgroupV1ManagerOptions);
}
