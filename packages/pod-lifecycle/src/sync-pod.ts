import { podRef } from './events.js';
import { runtimeCondition } from './node-conditions.js';
import { LABEL_CONTAINER_NAME } from './pod-naming.js';
import { type ContainerView, podStatus } from './pod-status.js';
import type { Container } from './pod-types.js';
import { runtimePod } from './runtime-pod.js';
import { computePodActions } from './sync-actions.js';
import type { SyncDeps } from './sync-deps.js';
import { killContainers, killEvictedPod, killPod, killRuntimePod } from './sync-kill.js';
import { createSandbox, podSandboxConfig } from './sync-sandbox.js';
import { type StartContext, startContainers, startInitContainer } from './sync-start.js';
import { setUpVolumes } from './volume-setup.js';

/**
 * The one sync of a pod (the kubelet's SyncPod): make the runtime match the spec, then
 * compute the status. Its steps: compute the actions ({@link computePodActions}); kill the
 * pod when it is unknown, being deleted or evicted; set up volumes; create the sandbox; kill
 * the containers to restart; start the next init container; start the app containers.
 */
export async function syncPod(d: SyncDeps, uid: string): Promise<void> {
  const entry = d.registry.get(uid);
  const rt = await runtimePod(d.cri, uid);
  const actions = computePodActions(entry, rt, d.restartRequests);
  switch (actions.kind) {
    case 'kill-orphan':
      return killRuntimePod(d, rt, 0);
    case 'delete':
      return killPod(d, entry!, rt);
    case 'evict':
      return killEvictedPod(d, entry!, rt);
    case 'keep-terminal':
      d.registry.setStatus(uid, entry!.pod.status!);
      return;
  }
  const pod = entry!.pod;
  let volumePaths: Map<string, string>;
  try {
    volumePaths = await setUpVolumes(pod, d.volumes);
  } catch (err) {
    d.recorder.event(podRef(pod), 'Warning', 'FailedMount', (err as Error).message);
    d.registry.setStatus(uid, {
      ...(pod.status ?? { phase: 'Pending' }),
      phase: 'Pending',
      reason: 'FailedMount',
      message: (err as Error).message,
    });
    d.requeue(uid, 5000);
    return;
  }
  let sandbox = rt.sandboxes.find((s) => s.id === actions.sandboxId);
  if (actions.createSandbox) {
    const notReady = pod.spec.hostNetwork ? undefined : await networkNotReady(d);
    if (notReady) {
      // The kubelet's syncPod: no sandbox for a pod network while the network is not ready.
      d.recorder.event(
        podRef(pod),
        'Warning',
        'NetworkNotReady',
        `network is not ready: ${notReady}`,
      );
      d.requeue(uid, 5000);
      return;
    }
    if (actions.createSandbox.attempt > 0)
      d.recorder.event(
        podRef(pod),
        'Normal',
        'SandboxChanged',
        'Pod sandbox changed, it will be killed and re-created.',
      );
    try {
      sandbox = await createSandbox(d, pod, rt, actions.createSandbox.attempt);
    } catch (err) {
      const message = (err as { details?: string }).details || (err as Error).message;
      d.recorder.event(
        podRef(pod),
        'Warning',
        'FailedCreatePodSandBox',
        `Failed to create pod sandbox: ${message}`,
      );
      throw err;
    }
  }
  if (!sandbox) throw new Error(`pod ${pod.metadata.name}: sandbox ${actions.sandboxId} not found`);
  const sandboxStatus = (await d.cri.runtime.podSandboxStatus({ podSandboxId: sandbox.id })).status;
  const podIP = sandboxStatus?.network?.ip || (pod.spec.hostNetwork ? d.hostIP : '');
  const ctx: StartContext = {
    pod,
    sandboxId: sandbox.id,
    sandboxConfig: await podSandboxConfig(d, pod, sandbox.metadata?.attempt ?? 0),
    podIP,
    volumePaths,
  };

  const view = (spec: Container): ContainerView => {
    const instances = rt.containers
      .filter((c) => c.labels[LABEL_CONTAINER_NAME] === spec.name)
      .map((c) => ({ container: c, status: rt.statuses.get(c.id) }));
    const current = instances.find((i) => i.container.podSandboxId === sandbox.id);
    const probe = current
      ? d.prober.state(uid, spec.name, current.container.id)
      : { ready: false, started: false };
    return { spec, instances, ready: probe.ready, started: probe.started };
  };
  const inits = (pod.spec.initContainers ?? []).map(view);
  const apps = pod.spec.containers.map(view);

  // Containers to kill are only ever app containers of a pod whose init containers are done.
  const restarts = await killContainers(d, pod, apps, actions.containersToKill, podIP);
  await startInitContainer(d, ctx, inits, actions.initToStart);
  if (actions.initDone && !actions.failedReason)
    await startContainers(d, ctx, apps, actions, restarts);

  d.registry.setStatus(
    uid,
    podStatus(pod, inits, apps, {
      podIP,
      hostIP: d.hostIP,
      runtime: d.runtimeName,
      sandboxReady: true,
      initDone: actions.initDone,
      ...(actions.failedReason ? { failedReason: actions.failedReason } : {}),
    }),
  );
}

/**
 * The runtime's network error as the kubelet words it ("container runtime network not
 * ready: NetworkReady=false reason:... message:..."), or undefined when it is ready.
 */
async function networkNotReady(d: SyncDeps): Promise<string | undefined> {
  const status = (await d.cri.runtime.status({}).catch(() => undefined))?.status;
  const net = status?.conditions.find((c) => c.type === 'NetworkReady');
  if (!status || !net || net.status) return undefined;
  return `container runtime network not ready: ${runtimeCondition(net)}`;
}
