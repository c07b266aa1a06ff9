import {
  ContainerState as CriState,
  type DeepPartial,
  type PodSandboxConfig,
} from '@capstan/cri-api';
import { runHook } from './container-hooks.js';
import { containerConfig } from './cri-config.js';
import { ensureImage, ImagePullError, podLogins } from './image-pull.js';
import { localObjects } from './local-objects.js';
import { containerEnv, EnvError } from './pod-env.js';
import type { ContainerView } from './pod-status.js';
import type { Pod } from './pod-types.js';
import type { SyncActions } from './sync-actions.js';
import type { SyncDeps } from './sync-deps.js';
import { mountsFor } from './volume-setup.js';

/** Where a sync starts containers: the pod's current sandbox and what was set up for it. */
export interface StartContext {
  pod: Pod;
  sandboxId: string;
  /** The sandbox's config, as CreateContainer takes it. */
  sandboxConfig: DeepPartial<PodSandboxConfig>;
  podIP: string;
  /** Host path of each volume (from setUpVolumes). */
  volumePaths: Map<string, string>;
}

/**
 * Starts one container in the sandbox, unless it must wait: CrashLoopBackOff (the kubelet's
 * restart back-off), ImagePullBackOff or ErrImagePull, CreateContainerConfigError. A wait
 * sets `v.waiting` and asks for a later sync. Runs the postStart hook; a failed hook kills
 * the container.
 */
export async function startContainer(
  d: SyncDeps,
  ctx: StartContext,
  v: ContainerView,
  init: boolean,
): Promise<void> {
  const { pod, podIP } = ctx;
  const uid = pod.metadata.uid!;
  const key = `${uid}/${v.spec.name}`;
  const latest = v.instances[0];
  const restartCount = latest
    ? Number(latest.container.annotations['io.kubernetes.container.restartCount'] ?? 0) + 1
    : 0;
  // The kubelet's back-off: the first restart is immediate; each later one waits for the
  // delay counted from the previous start.
  const wait = latest ? d.backoff.remaining(key, Date.now()) : 0;
  if (wait > 0) {
    v.waiting = {
      reason: 'CrashLoopBackOff',
      message: `back-off ${Math.round(d.backoff.delay(key) / 1000)}s restarting failed container=${v.spec.name} pod=${pod.metadata.name}`,
    };
    d.requeue(uid, wait + 50);
    return;
  }
  // The kubelet's image back-off: a failed pull is ErrImagePull, and the container waits
  // in ImagePullBackOff (10 s doubling to 5 min) before the next try.
  const pullKey = `${key}#pull`;
  const pullWait = d.backoff.remaining(pullKey, Date.now());
  if (pullWait > 0) {
    v.waiting = {
      reason: 'ImagePullBackOff',
      message: `Back-off pulling image "${v.spec.image}": ${d.pullErrors.get(pullKey) ?? ''}`,
    };
    d.requeue(uid, pullWait + 50);
    return;
  }
  try {
    await ensureImage(d.cri, v.spec, () => podLogins(pod, d.pullCredentials, d.logger));
    d.pullErrors.delete(pullKey);
    d.backoff.forget(pullKey);
  } catch (err) {
    const message = (err as Error).message;
    d.backoff.next(pullKey, Date.now(), 0);
    d.pullErrors.set(pullKey, message);
    v.waiting = {
      reason: err instanceof ImagePullError ? err.reason : 'ErrImagePull',
      message,
    };
    d.logger.warn(
      { pod: pod.metadata.name, container: v.spec.name, err: message },
      'image pull failed',
    );
    // As the kubelet's worker does after a failed sync: look again soon, which shows the
    // container in ImagePullBackOff until the back-off allows the next pull.
    d.requeue(uid, 1_000);
    return;
  }
  let config: ReturnType<typeof containerConfig>;
  try {
    config = containerConfig(pod, v.spec, {
      restartCount,
      mounts: mountsFor(v.spec, ctx.volumePaths),
      init,
      envs: containerEnv(pod, v.spec, {
        podIP,
        hostIP: d.hostIP,
        ...localObjects(d.volumes.configDir),
        allocatable: d.volumes.allocatable ?? { cpuMillis: 0, memoryBytes: 0n },
      }),
    });
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    // The kubelet's CreateContainerConfigError: the container waits; a later sync (the
    // configMap or secret may appear) tries again.
    v.waiting = { reason: err.reason, message: err.message };
    d.requeue(uid, 2_000);
    return;
  }
  const { containerId } = await d.cri.runtime.createContainer({
    podSandboxId: ctx.sandboxId,
    config,
    sandboxConfig: ctx.sandboxConfig,
  });
  await d.cri.runtime.startContainer({ containerId });
  if (latest) {
    const ranMs = Number(
      ((latest.status?.finishedAt ?? 0n) - (latest.status?.startedAt ?? 0n)) / 1_000_000n,
    );
    d.backoff.next(key, Date.now(), ranMs);
  }
  d.logger.info(
    { pod: pod.metadata.name, container: v.spec.name, id: containerId.slice(0, 12), restartCount },
    'container started',
  );
  if (v.spec.lifecycle?.postStart) {
    const ok = await runHook(d.cri.runtime, v.spec.lifecycle.postStart, containerId, podIP, v.spec);
    if (!ok) {
      d.logger.warn(
        { pod: pod.metadata.name, container: v.spec.name },
        'postStart hook failed; killing the container',
      );
      await d.cri.runtime.stopContainer({ containerId, timeout: 0n });
    }
  }
  // Show the new instance right away rather than waiting for the next relist.
  const status = (await d.cri.runtime.containerStatus({ containerId })).status;
  const c = (await d.cri.runtime.listContainers({ filter: { id: containerId } })).containers[0];
  if (c) v.instances.unshift({ container: c, status });
  d.onContainerRunning?.(pod);
  await pruneDead(d, v);
}

/** Starts the next init container (the actions' `initToStart`), when there is one. */
export async function startInitContainer(
  d: SyncDeps,
  ctx: StartContext,
  inits: ContainerView[],
  name: string | undefined,
): Promise<void> {
  const v = name === undefined ? undefined : inits.find((x) => x.spec.name === name);
  if (v) await startContainer(d, ctx, v, true);
}

/**
 * The app containers' step, in spec order: start those to start (`restarts` adds the ones
 * killed to restart), start the created ones, keep the probes of the running ones, stop
 * those of the exited ones.
 */
export async function startContainers(
  d: SyncDeps,
  ctx: StartContext,
  apps: ContainerView[],
  actions: SyncActions,
  restarts: readonly string[] = [],
): Promise<void> {
  const uid = ctx.pod.metadata.uid!;
  for (const name of actions.containersExited) {
    d.prober.stop(uid, name);
    d.restartRequests.delete(`${uid}/${name}`);
  }
  const toStart = new Set([...actions.containersToStart, ...restarts]);
  for (const v of apps) {
    const name = v.spec.name;
    const running = actions.containersRunning.find((x) => x.name === name);
    const created = actions.containersToResume.find((x) => x.name === name);
    if (toStart.has(name)) await startContainer(d, ctx, v, false);
    else if (created)
      await d.cri.runtime.startContainer({ containerId: created.containerId }).catch(() => {});
    else if (running) {
      d.prober.ensure(uid, v.spec, running.containerId, () => ctx.podIP);
      const p = d.prober.state(uid, name, running.containerId);
      v.ready = p.ready;
      v.started = p.started;
    }
  }
}

/** Keeps the newest dead instance of a container (for lastState and logs --previous). */
export async function pruneDead(d: Pick<SyncDeps, 'cri'>, v: ContainerView): Promise<void> {
  const dead = v.instances.filter((i) => i.status?.state === CriState.CONTAINER_EXITED);
  for (const i of dead.slice(1))
    await d.cri.runtime.removeContainer({ containerId: i.container.id }).catch(() => {});
}
