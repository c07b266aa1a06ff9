import { join } from 'node:path';
import { type CriClient, NamespaceMode } from '@capstan/cri-api';
import type { Step } from './bench-types.js';

/** Times one call (ms). */
export const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
};

/** What every bench pod shares. */
export interface PodContext {
  /** Log directory root. */
  dir: string;
  /** Cgroup parent under which the pod gets `<parent>/<name>`. */
  cgroupParent: string;
}

export function podConfig(ctx: PodContext, name: string, hostNetwork: boolean) {
  return {
    metadata: { name, uid: `${name}-${process.pid}`, namespace: 'cri-bench', attempt: 0 },
    logDirectory: join(ctx.dir, name),
    labels: { 'capstan.io/cri-bench': String(process.pid) },
    linux: {
      cgroupParent: `${ctx.cgroupParent}/${name}`,
      ...(hostNetwork
        ? { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } }
        : {}),
    },
  };
}

export function sleeperConfig(image: string) {
  return {
    metadata: { name: 'sleep', attempt: 0 },
    image: { image },
    command: ['sleep', '3600'],
    logPath: 'sleep.log',
  };
}

/** One pod lifecycle on one endpoint, every step timed into `out`. */
export async function lifecycleRound(
  c: CriClient,
  image: string,
  ctx: PodContext,
  tag: string,
  podNetwork: boolean,
  out: Record<Step, number[]>,
) {
  const r = c.runtime;
  if (podNetwork) {
    const cfg = podConfig(ctx, `net-${tag}`, false);
    const [{ podSandboxId }, ms] = await time(() => r.runPodSandbox({ config: cfg }));
    out['RunPodSandbox (pod network)'].push(ms);
    await r.stopPodSandbox({ podSandboxId });
    await r.removePodSandbox({ podSandboxId });
  }
  const cfg = podConfig(ctx, `host-${tag}`, true);
  const [{ podSandboxId }, runMs] = await time(() => r.runPodSandbox({ config: cfg }));
  out['RunPodSandbox (host network)'].push(runMs);
  try {
    const [, pullMs] = await time(() => c.image.pullImage({ image: { image } }));
    out['PullImage (present)'].push(pullMs);
    const [{ containerId }, createMs] = await time(() =>
      r.createContainer({ podSandboxId, config: sleeperConfig(image), sandboxConfig: cfg }),
    );
    out.CreateContainer.push(createMs);
    const [, startMs] = await time(() => r.startContainer({ containerId }));
    out.StartContainer.push(startMs);
    out['pod start (sandbox+create+start)'].push(runMs + createMs + startMs);
    const [, execMs] = await time(() => r.execSync({ containerId, cmd: ['true'], timeout: 10n }));
    out['ExecSync true'].push(execMs);
    const [, stopMs] = await time(() => r.stopContainer({ containerId, timeout: 0n }));
    out.StopContainer.push(stopMs);
    const [, rmMs] = await time(() => r.removeContainer({ containerId }));
    out.RemoveContainer.push(rmMs);
  } finally {
    const [, stopPodMs] = await time(() => r.stopPodSandbox({ podSandboxId }));
    out.StopPodSandbox.push(stopPodMs);
    const [, rmPodMs] = await time(() => r.removePodSandbox({ podSandboxId }));
    out.RemovePodSandbox.push(rmPodMs);
  }
}
