import {
  ContainerState as CriState,
  type DeepPartial,
  type PodSandboxConfig,
} from '@capstan/cri-api';
import { runHook } from './container-hooks.js';
import { containerConfig } from './cri-config.js';
import { containerRef, formatPod } from './events.js';
import { ensureImage, ImagePullError, podLogins } from './image-pull.js';
import { localObjects } from './local-objects.js';
import { containerEnv, EnvError } from './pod-env.js';
import type { ContainerView } from './pod-status.js';
import type { Pod } from './pod-types.js';
import { goDuration } from './resource-metrics.js';
import { verifyRunAsNonRoot } from './run-as-non-root.js';
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
  const ref = containerRef(pod, v.spec.name);
  const record = (type: 'Normal' | 'Warning', reason: string, message: string) =>
    d.recorder.event(ref, type, reason, message);
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
      message: `back-off ${goDuration(d.backoff.delay(key))} restarting failed container=${v.spec.name} pod=${formatPod(pod)}`,
    };
    record(
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${v.spec.name} in pod ${formatPod(pod)}`,
    );
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
    record('Normal', 'BackOff', `Back-off pulling image "${v.spec.image}"`);
    record('Warning', 'Failed', 'Error: ImagePullBackOff');
    d.requeue(uid, pullWait + 50);
    return;
  }
  try {
    await ensureImage(d.cri, v.spec, () => podLogins(pod, d.pullCredentials, d.logger), {
      present: () =>
        record('Normal', 'Pulled', `Container image "${v.spec.image}" already present on machine`),
      pulling: () => record('Normal', 'Pulling', `Pulling image "${v.spec.image}"`),
      pulled: (ms, size) =>
        record(
          'Normal',
          'Pulled',
          `Successfully pulled image "${v.spec.image}" in ${goDuration(ms)} (${goDuration(ms)} including waiting). Image size: ${size} bytes.`,
        ),
    });
    d.pullErrors.delete(pullKey);
    d.backoff.forget(pullKey);
  } catch (err) {
    const message = (err as Error).message;
    const reason = err instanceof ImagePullError ? err.reason : 'ErrImagePull';
    if (reason === 'ErrImageNeverPull') record('Warning', reason, message);
    else {
      d.backoff.next(pullKey, Date.now(), 0);
      d.pullErrors.set(pullKey, message);
      record('Warning', 'Failed', `Failed to pull image "${v.spec.image}": ${message}`);
    }
    record('Warning', 'Failed', `Error: ${reason}`);
    v.waiting = { reason, message };
    d.logger.warn(
      { pod: pod.metadata.name, container: v.spec.name, err: message },
      'image pull failed',
    );
    // As the kubelet's worker does after a failed sync: look again soon, which shows the
    // container in ImagePullBackOff until the back-off allows the next pull.
    d.requeue(uid, reason === 'ErrImageNeverPull' ? 10_000 : 1_000);
    return;
  }
  // CreateContainerConfigError and CreateContainerError: the container waits; a later sync
  // (the configMap or secret may appear) tries again.
  const configError = (message: string, reason = 'CreateContainerConfigError') => {
    record('Warning', 'Failed', `Error: ${message}`);
    v.waiting = { reason, message };
    d.requeue(uid, 2_000);
  };
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
    return configError(err.message);
  }
  const nonRoot = await verifyRunAsNonRoot(pod, v.spec, async () => {
    const image = (await d.cri.image.imageStatus({ image: { image: v.spec.image } })).image;
    return { uid: image?.uid?.value, user: image?.username ?? '' };
  });
  if (nonRoot) return configError(nonRoot);
  let containerId: string;
  try {
    ({ containerId } = await d.cri.runtime.createContainer({
      podSandboxId: ctx.sandboxId,
      config,
      sandboxConfig: ctx.sandboxConfig,
    }));
  } catch (err) {
    return configError(grpcMessage(err), 'CreateContainerError');
  }
  record('Normal', 'Created', `Created container: ${v.spec.name}`);
  let started = true;
  try {
    await d.cri.runtime.startContainer({ containerId });
  } catch (err) {
    started = false;
    const message = grpcMessage(err);
    record('Warning', 'Failed', `Error: ${message}`);
    d.logger.warn({ pod: pod.metadata.name, container: v.spec.name, err: message }, 'start failed');
    // The created container stays: its exited status (ContainerCannotRun, RunContainerError)
    // is what the next sync shows, and the restart back-off applies to it.
  }
  if (started) record('Normal', 'Started', `Started container ${v.spec.name}`);
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
      record('Warning', 'FailedPostStartHook', 'PostStartHook failed');
      record('Normal', 'Killing', `FailedPostStartHook`);
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

/** The message of a CRI error as the kubelet shows it (grpc status.Message()). */
const grpcMessage = (err: unknown) =>
  (err as { details?: string }).details || (err as Error).message;
