import type { PodSandbox } from '@capstan/cri-api';
import { sandboxConfig } from './cri-config.js';
import type { Pod } from './pod-types.js';
import type { RuntimePod } from './runtime-pod.js';
import type { SyncDeps } from './sync-deps.js';

/** The CRI sandbox config of `pod` for sandbox attempt `attempt`. */
export async function podSandboxConfig(d: SyncDeps, pod: Pod, attempt: number) {
  return sandboxConfig(pod, {
    attempt,
    logRoot: d.logRoot,
    cgroupParent: await d.cgroupParent(pod),
    agentId: d.agentId,
  });
}

/**
 * Creates the pod's sandbox: every old sandbox stops first (a new sandbox means every
 * container starts again in it), then RunPodSandbox with the next attempt number.
 */
export async function createSandbox(
  d: SyncDeps,
  pod: Pod,
  rt: RuntimePod,
  attempt: number,
): Promise<PodSandbox> {
  for (const s of rt.sandboxes) await d.cri.runtime.stopPodSandbox({ podSandboxId: s.id });
  const config = await podSandboxConfig(d, pod, attempt);
  const { podSandboxId } = await d.cri.runtime.runPodSandbox({ config });
  d.logger.info(
    { pod: pod.metadata.name, sandbox: podSandboxId.slice(0, 12), attempt },
    'sandbox started',
  );
  const sandbox = (await d.cri.runtime.listPodSandbox({ filter: { id: podSandboxId } })).items[0];
  if (!sandbox) throw new Error(`sandbox ${podSandboxId} vanished after RunPodSandbox`);
  return sandbox;
}
