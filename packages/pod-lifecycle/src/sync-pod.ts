import {
  type CriClient,
  type Container as CriContainer,
  ContainerState as CriState,
  type ContainerStatus as CriStatus,
  isNotFound,
  type PodSandbox,
  PodSandboxState,
} from '@capstan/cri-api';
import { containerConfig, containerHash, sandboxConfig } from './cri-config.js';
import {
  ensureImage,
  ImagePullError,
  type PullCredentialOptions,
  podLogins,
} from './image-pull.js';
import { localObjects } from './local-objects.js';
import type { LifecycleLogger } from './logger.js';
import { containerEnv, EnvError } from './pod-env.js';
import { ANN_CONTAINER_HASH, LABEL_CONTAINER_NAME, LABEL_POD_UID } from './pod-naming.js';
import type { PodEntry, PodRegistry } from './pod-registry.js';
import { type ContainerView, podStatus } from './pod-status.js';
import type { Container, LifecycleHandler, Pod } from './pod-types.js';
import type { Prober } from './probe-manager.js';
import type { Backoff } from './restart-backoff.js';
import { mountsFor, setUpVolumes, tearDownVolumes, type VolumeOptions } from './volume-setup.js';

/** What syncing pods needs. */
export interface SyncDeps {
  cri: CriClient;
  registry: PodRegistry;
  prober: Prober;
  backoff: Backoff;
  logger: LifecycleLogger;
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
}

interface RuntimePod {
  sandboxes: PodSandbox[];
  containers: CriContainer[];
  statuses: Map<string, CriStatus>;
}

async function runtimePod(d: SyncDeps, uid: string): Promise<RuntimePod> {
  const [{ items }, { containers }] = await Promise.all([
    d.cri.runtime.listPodSandbox({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
    d.cri.runtime.listContainers({ filter: { labelSelector: { [LABEL_POD_UID]: uid } } }),
  ]);
  const statuses = new Map<string, CriStatus>();
  await Promise.all(
    containers.map(async (c) => {
      try {
        const s = (await d.cri.runtime.containerStatus({ containerId: c.id })).status;
        if (s) statuses.set(c.id, s);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }),
  );
  items.sort((a, b) => Number(b.createdAt - a.createdAt));
  containers.sort((a, b) => Number(b.createdAt - a.createdAt));
  return { sandboxes: items, containers, statuses };
}

/** The one sync of a pod: make the runtime match the spec, then compute the status. */
export async function syncPod(d: SyncDeps, uid: string): Promise<void> {
  const entry = d.registry.get(uid);
  const rt = await runtimePod(d, uid);
  if (!entry) {
    await killRuntimePod(d, rt, 0);
    return;
  }
  if (entry.deleting) {
    await killPod(d, entry, rt);
    return;
  }
  if (entry.evicted) {
    // Evicted: everything stops, nothing restarts; the pod stays, Failed with the reason.
    d.prober.stop(uid);
    for (const c of rt.containers) {
      if (rt.statuses.get(c.id)?.state === CriState.CONTAINER_RUNNING) {
        await d.cri.runtime.stopContainer({
          containerId: c.id,
          timeout: BigInt(entry.evicted.gracePeriodSeconds),
        });
      }
    }
    for (const s of rt.sandboxes) await d.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
    d.registry.setStatus(uid, {
      ...(entry.pod.status ?? { phase: 'Failed' }),
      phase: 'Failed',
      reason: 'Evicted',
      message: entry.evicted.message,
    });
    return;
  }
  const pod = entry.pod;
  const policy = pod.spec.restartPolicy ?? 'Always';
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  let sandbox = rt.sandboxes.find((s) => s.state === PodSandboxState.SANDBOX_READY);
  const sandboxConf = async (attempt: number) =>
    sandboxConfig(pod, {
      attempt,
      logRoot: d.logRoot,
      cgroupParent: await d.cgroupParent(pod),
      agentId: d.agentId,
    });

  if (!sandbox && terminal) {
    d.registry.setStatus(uid, pod.status!);
    return;
  }
  let volumePaths: Map<string, string>;
  try {
    volumePaths = await setUpVolumes(pod, d.volumes);
  } catch (err) {
    d.registry.setStatus(uid, {
      ...(pod.status ?? { phase: 'Pending' }),
      phase: 'Pending',
      reason: 'FailedMount',
      message: (err as Error).message,
    });
    d.requeue(uid, 5000);
    return;
  }
  if (!sandbox) {
    // A new sandbox means every container starts again in it (the kubelet does the same).
    for (const s of rt.sandboxes) await d.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
    const attempt = rt.sandboxes.length;
    const config = await sandboxConf(attempt);
    const { podSandboxId } = await d.cri.runtime.runPodSandbox({ config });
    d.logger.info(
      { pod: pod.metadata.name, sandbox: podSandboxId.slice(0, 12), attempt },
      'sandbox started',
    );
    sandbox = (await d.cri.runtime.listPodSandbox({ filter: { id: podSandboxId } })).items[0];
    if (!sandbox) throw new Error(`sandbox ${podSandboxId} vanished after RunPodSandbox`);
  }
  const sandboxStatus = (await d.cri.runtime.podSandboxStatus({ podSandboxId: sandbox.id })).status;
  const podIP = sandboxStatus?.network?.ip || (pod.spec.hostNetwork ? d.hostIP : '');
  const sandboxConfigNow = await sandboxConf(sandbox.metadata?.attempt ?? 0);

  const view = (spec: Container): ContainerView => {
    const instances = rt.containers
      .filter((c) => c.labels[LABEL_CONTAINER_NAME] === spec.name)
      .map((c) => ({ container: c, status: rt.statuses.get(c.id) }));
    const current = instances.find((i) => i.container.podSandboxId === sandbox!.id);
    const probe = current
      ? d.prober.state(uid, spec.name, current.container.id)
      : { ready: false, started: false };
    return { spec, instances, ready: probe.ready, started: probe.started };
  };
  const inits = (pod.spec.initContainers ?? []).map(view);
  const apps = pod.spec.containers.map(view);

  const start = async (v: ContainerView, init: boolean) => {
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
        mounts: mountsFor(v.spec, volumePaths),
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
      podSandboxId: sandbox!.id,
      config,
      sandboxConfig: sandboxConfigNow,
    });
    await d.cri.runtime.startContainer({ containerId });
    if (latest) {
      const ranMs = Number(
        ((latest.status?.finishedAt ?? 0n) - (latest.status?.startedAt ?? 0n)) / 1_000_000n,
      );
      d.backoff.next(key, Date.now(), ranMs);
    }
    d.logger.info(
      {
        pod: pod.metadata.name,
        container: v.spec.name,
        id: containerId.slice(0, 12),
        restartCount,
      },
      'container started',
    );
    if (v.spec.lifecycle?.postStart) {
      const ok = await runHook(d, v.spec.lifecycle.postStart, containerId, podIP, v.spec);
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
  };

  const handleExited = async (
    v: ContainerView,
    cur: ContainerView['instances'][number],
  ): Promise<boolean> => {
    const exit = cur.status?.exitCode ?? 0;
    const restart = policy === 'Always' || (policy === 'OnFailure' && exit !== 0);
    if (!restart) return false;
    await start(v, false);
    return true;
  };

  // Init containers, in order: each must succeed before the next starts.
  let initDone = true;
  let failedReason: string | undefined;
  for (const v of inits) {
    const cur = v.instances.find((i) => i.container.podSandboxId === sandbox.id);
    if (!cur) {
      await start(v, true);
      initDone = false;
      break;
    }
    const s = cur.status;
    if (s?.state === CriState.CONTAINER_EXITED && s.exitCode === 0) continue;
    initDone = false;
    if (s?.state === CriState.CONTAINER_EXITED) {
      if (policy === 'Never') failedReason = 'InitContainerFailed';
      else await start(v, true);
    }
    break;
  }

  if (initDone && !failedReason) {
    for (const v of apps) {
      const key = `${uid}/${v.spec.name}`;
      const cur = v.instances.find((i) => i.container.podSandboxId === sandbox.id);
      if (!cur) {
        if (!terminal) await start(v, false);
        continue;
      }
      const s = cur.status;
      if (s?.state === CriState.CONTAINER_RUNNING) {
        const why =
          d.restartRequests.get(key) ??
          (cur.container.annotations[ANN_CONTAINER_HASH] !== containerHash(v.spec)
            ? 'spec changed'
            : undefined);
        if (why) {
          d.restartRequests.delete(key);
          d.logger.info(
            { pod: pod.metadata.name, container: v.spec.name, why },
            'killing container to restart it',
          );
          d.prober.stop(uid, v.spec.name);
          await stopContainer(
            d,
            v.spec,
            cur.container.id,
            podIP,
            pod.spec.terminationGracePeriodSeconds ?? 30,
          );
          const after = (await d.cri.runtime.containerStatus({ containerId: cur.container.id }))
            .status;
          if (after) cur.status = after;
          await handleExited(v, cur);
          continue;
        }
        d.prober.ensure(uid, v.spec, cur.container.id, () => podIP);
        const p = d.prober.state(uid, v.spec.name, cur.container.id);
        v.ready = p.ready;
        v.started = p.started;
        continue;
      }
      if (s?.state === CriState.CONTAINER_CREATED) {
        await d.cri.runtime.startContainer({ containerId: cur.container.id }).catch(() => {});
        continue;
      }
      d.prober.stop(uid, v.spec.name);
      d.restartRequests.delete(key);
      await handleExited(v, cur);
    }
  }

  d.registry.setStatus(
    uid,
    podStatus(pod, inits, apps, {
      podIP,
      hostIP: d.hostIP,
      runtime: d.runtimeName,
      sandboxReady: true,
      initDone,
      ...(failedReason ? { failedReason } : {}),
    }),
  );
}

async function runHook(
  d: SyncDeps,
  h: LifecycleHandler,
  containerId: string,
  podIP: string,
  spec: Container,
): Promise<boolean> {
  const { runProbe } = await import('./probe-run.js');
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, h.sleep!.seconds * 1000));
    return true;
  }
  return runProbe(d.cri.runtime, { ...h, timeoutSeconds: 30 }, containerId, podIP, spec);
}

/** preStop, then StopContainer with what is left of the grace period. */
async function stopContainer(
  d: SyncDeps,
  spec: Container | undefined,
  containerId: string,
  podIP: string,
  graceSec: number,
) {
  const started = Date.now();
  if (spec?.lifecycle?.preStop && graceSec > 0) {
    await Promise.race([
      runHook(d, spec.lifecycle.preStop, containerId, podIP, spec),
      new Promise((r) => setTimeout(r, graceSec * 1000)),
    ]);
  }
  const left = Math.max(0, graceSec - Math.floor((Date.now() - started) / 1000));
  await d.cri.runtime.stopContainer({ containerId, timeout: BigInt(left) });
}

/** Keeps the newest dead instance of a container (for lastState and logs --previous). */
async function pruneDead(d: SyncDeps, v: ContainerView) {
  const dead = v.instances.filter((i) => i.status?.state === CriState.CONTAINER_EXITED);
  for (const i of dead.slice(1))
    await d.cri.runtime.removeContainer({ containerId: i.container.id }).catch(() => {});
}

/** Graceful deletion: preStop and stop every container, stop and remove the sandbox(es). */
async function killPod(d: SyncDeps, entry: PodEntry, rt: RuntimePod) {
  const uid = entry.pod.metadata.uid!;
  d.prober.stop(uid);
  const grace = entry.deleting!.gracePeriodSeconds;
  const specs = new Map(
    [...(entry.pod.spec.initContainers ?? []), ...entry.pod.spec.containers].map((c) => [
      c.name,
      c,
    ]),
  );
  const podIP =
    (rt.sandboxes[0] &&
      (
        await d.cri.runtime
          .podSandboxStatus({ podSandboxId: rt.sandboxes[0].id })
          .catch(() => undefined)
      )?.status?.network?.ip) ||
    '';
  await Promise.all(
    rt.containers
      .filter((c) => rt.statuses.get(c.id)?.state === CriState.CONTAINER_RUNNING)
      .map((c) =>
        stopContainer(d, specs.get(c.labels[LABEL_CONTAINER_NAME] ?? ''), c.id, podIP, grace),
      ),
  );
  await killRuntimePod(d, rt, 0);
  await tearDownVolumes(uid, d.volumes);
  await d.releaseCgroup(entry.pod).catch((err) => d.logger.warn({ err }, 'pod cgroup not removed'));
  d.backoff.forget(`${uid}/`);
  for (const k of d.pullErrors.keys()) if (k.startsWith(`${uid}/`)) d.pullErrors.delete(k);
  await d.registry.finalize(uid);
  d.logger.info({ pod: entry.pod.metadata.name }, 'pod deleted');
}

async function killRuntimePod(d: SyncDeps, rt: RuntimePod, graceSec: number) {
  for (const c of rt.containers) {
    if (rt.statuses.get(c.id)?.state === CriState.CONTAINER_RUNNING) {
      await d.cri.runtime.stopContainer({ containerId: c.id, timeout: BigInt(graceSec) });
    }
    await d.cri.runtime.removeContainer({ containerId: c.id });
  }
  for (const s of rt.sandboxes) {
    await d.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
    await d.cri.runtime.removePodSandbox({ podSandboxId: s.id });
  }
}
