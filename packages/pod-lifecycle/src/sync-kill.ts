import { ContainerState as CriState } from '@capstan/cri-api';
import { runHook } from './container-hooks.js';
import { containerRef, podRef } from './events.js';
import { LABEL_CONTAINER_NAME } from './pod-naming.js';
import type { PodEntry } from './pod-registry.js';
import type { ContainerView } from './pod-status.js';
import type { Container, Pod } from './pod-types.js';
import type { RuntimePod } from './runtime-pod.js';
import { type ContainerToKill, shouldRestart } from './sync-actions.js';
import type { SyncDeps } from './sync-deps.js';
import { tearDownVolumes } from './volume-setup.js';

/** preStop, then StopContainer with what is left of the grace period. */
export async function stopContainer(
  d: Pick<SyncDeps, 'cri'>,
  spec: Container | undefined,
  containerId: string,
  podIP: string,
  graceSec: number,
): Promise<void> {
  const started = Date.now();
  if (spec?.lifecycle?.preStop && graceSec > 0) {
    await Promise.race([
      runHook(d.cri.runtime, spec.lifecycle.preStop, containerId, podIP, spec),
      new Promise((r) => setTimeout(r, graceSec * 1000)),
    ]);
  }
  const left = Math.max(0, graceSec - Math.floor((Date.now() - started) / 1000));
  await d.cri.runtime.stopContainer({ containerId, timeout: BigInt(left) });
}

/**
 * Kills the containers a sync chose to kill (a failed liveness or startup probe, a changed
 * spec), each through its preStop hook and grace period. Returns the names to start again:
 * those whose restart policy allows it for the exit status they ended with.
 */
export async function killContainers(
  d: SyncDeps,
  pod: Pod,
  views: ContainerView[],
  toKill: readonly ContainerToKill[],
  podIP: string,
): Promise<string[]> {
  const uid = pod.metadata.uid!;
  const restart: string[] = [];
  for (const k of toKill) {
    const v = views.find((x) => x.spec.name === k.name)!;
    d.restartRequests.delete(`${uid}/${k.name}`);
    d.logger.info(
      { pod: pod.metadata.name, container: k.name, why: k.reason },
      'killing container to restart it',
    );
    d.prober.stop(uid, k.name);
    const why =
      k.reason === 'spec changed'
        ? 'definition changed'
        : `failed ${k.reason.replace(/ probe failed$/, '')} probe`;
    const again = (pod.spec.restartPolicy ?? 'Always') !== 'Never' ? ', will be restarted' : '';
    d.recorder.event(
      containerRef(pod, k.name),
      'Normal',
      'Killing',
      `Container ${k.name} ${why}${again}`,
    );
    await stopContainer(
      d,
      v.spec,
      k.containerId,
      podIP,
      pod.spec.terminationGracePeriodSeconds ?? 30,
    );
    const after = (await d.cri.runtime.containerStatus({ containerId: k.containerId })).status;
    const cur = v.instances.find((i) => i.container.id === k.containerId);
    if (after && cur) cur.status = after;
    if (shouldRestart(pod, cur?.status?.exitCode ?? 0)) restart.push(k.name);
  }
  return restart;
}

/** Evicted: everything stops, nothing restarts; the pod stays, Failed with the reason. */
export async function killEvictedPod(d: SyncDeps, entry: PodEntry, rt: RuntimePod): Promise<void> {
  const uid = entry.pod.metadata.uid!;
  d.prober.stop(uid);
  if (entry.pod.status?.reason !== 'Evicted')
    d.recorder.event(podRef(entry.pod), 'Warning', 'Evicted', entry.evicted!.message);
  for (const c of rt.containers) {
    if (rt.statuses.get(c.id)?.state === CriState.CONTAINER_RUNNING) {
      killing(d, entry.pod, c.labels[LABEL_CONTAINER_NAME] ?? '');
      await d.cri.runtime.stopContainer({
        containerId: c.id,
        timeout: BigInt(entry.evicted!.gracePeriodSeconds),
      });
    }
  }
  for (const s of rt.sandboxes) await d.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
  d.registry.setStatus(uid, {
    ...(entry.pod.status ?? { phase: 'Failed' }),
    phase: 'Failed',
    reason: 'Evicted',
    message: entry.evicted!.message,
  });
}

/** Graceful deletion: preStop and stop every container, stop and remove the sandbox(es). */
export async function killPod(d: SyncDeps, entry: PodEntry, rt: RuntimePod): Promise<void> {
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
      .map((c) => {
        const name = c.labels[LABEL_CONTAINER_NAME] ?? '';
        killing(d, entry.pod, name);
        return stopContainer(d, specs.get(name), c.id, podIP, grace);
      }),
  );
  await killRuntimePod(d, rt, 0);
  await tearDownVolumes(uid, d.volumes);
  await d.releaseCgroup(entry.pod).catch((err) => d.logger.warn({ err }, 'pod cgroup not removed'));
  d.backoff.forget(`${uid}/`);
  for (const m of [d.pullErrors, d.restartRequests])
    for (const k of m.keys()) if (k.startsWith(`${uid}/`)) m.delete(k);
  await d.registry.finalize(uid);
  d.onPodGone?.(uid);
  d.logger.info({ pod: entry.pod.metadata.name }, 'pod deleted');
}

/** The kubelet's Killing event of a container it stops without a reason of its own. */
function killing(d: Pick<SyncDeps, 'recorder'>, pod: Pod, name: string): void {
  d.recorder.event(containerRef(pod, name), 'Normal', 'Killing', `Stopping container ${name}`);
}

/** Stops and removes every container and sandbox of a pod, without hooks. */
export async function killRuntimePod(
  d: Pick<SyncDeps, 'cri'>,
  rt: RuntimePod,
  graceSec: number,
): Promise<void> {
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
