import type { EventRecorder } from './events.js';
import type { ImagePullRuntime, PullCredentialOptions } from './image-pull.js';
import type { LifecycleLogger } from './logger.js';
import type { PodRegistry } from './pod-registry.js';
import type { Pod } from './pod-types.js';
import type { Prober } from './probe-manager.js';
import type { Backoff } from './restart-backoff.js';
import type { LifecycleRuntime } from './runtime-client.js';
import type { VolumeOptions } from './volume-setup.js';

/** What syncing pods needs (one set for every sync step). */
export interface SyncDeps {
  cri: LifecycleRuntime & ImagePullRuntime;
  registry: PodRegistry;
  prober: Prober;
  backoff: Backoff;
  logger: LifecycleLogger;
  /** Where the sync's Events go (Pulling, Created, Started, BackOff, Killing...). */
  recorder: EventRecorder;
  volumes: VolumeOptions;
  logRoot: string;
  agentId: string;
  runtimeName: string;
  hostIP: string;
  /** The cgroup parent of a pod (pod cgroups from @capstan/cgroups in production). */
  cgroupParent(pod: Pod): Promise<string>;
  /** Removes the pod's cgroup once it is gone. */
  releaseCgroup(pod: Pod): Promise<void>;
  /** Asks for another sync of `uid` after `ms` (back-off expiry). */
  requeue(uid: string, ms: number): void;
  /** Containers to restart because a probe failed: `${uid}/${name}` -> reason. */
  restartRequests: Map<string, string>;
  /** Where image pull secrets and the node's registry logins are read. */
  pullCredentials: PullCredentialOptions;
  /** The last pull error of `${uid}/${name}#pull` keys in back-off. */
  pullErrors: Map<string, string>;
  /** Called when a container first runs (pod start latency metrics). */
  onContainerRunning?(pod: Pod): void;
  /** Called once a deleted pod is gone: drop what is kept per pod outside these deps. */
  onPodGone?(uid: string): void;
}
