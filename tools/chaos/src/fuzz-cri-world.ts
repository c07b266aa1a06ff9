// What the CRI fuzzer makes in the runtime, and how it leaves nothing behind: every
// sandbox and container it creates carries its label, and at the end everything
// labelled, plus anything new since the start (a mutated request may have dropped the
// label), is stopped and removed. Pods of a node agent are never touched.
import { ContainerConfig, type CriClient, PodSandboxConfig } from '@capstan/cri-api';
import { containerConfig, sandboxConfig } from './fuzz-cri-cases.js';
import type { FuzzWorld } from './fuzz-cri-values.js';

/** Label a node agent puts on its sandboxes: theirs, never cleaned up by the fuzzer. */
const AGENT_LABEL = 'capstan.io/node-agent';

export interface Inventory {
  sandboxes: Set<string>;
  containers: Set<string>;
}

export async function inventory(cri: CriClient): Promise<Inventory> {
  const [s, c] = await Promise.all([
    cri.runtime.listPodSandbox({}),
    cri.runtime.listContainers({}),
  ]);
  return {
    sandboxes: new Set(s.items.map((x) => x.id)),
    containers: new Set(c.containers.map((x) => x.id)),
  };
}

/** Runs a labelled sandbox; its ID joins the world. */
export async function runFuzzSandbox(
  cri: CriClient,
  w: FuzzWorld,
  name: string,
): Promise<{ id: string; config: PodSandboxConfig }> {
  const config = PodSandboxConfig.fromPartial(toPartial(sandboxConfig(w, name)));
  const { podSandboxId } = await cri.runtime.runPodSandbox({ config });
  w.sandboxIds.push(podSandboxId);
  return { id: podSandboxId, config };
}

/** Creates (and by default starts) a labelled container; its ID joins the world. */
export async function runFuzzContainer(
  cri: CriClient,
  w: FuzzWorld,
  sandbox: { id: string; config: PodSandboxConfig },
  name: string,
  start = true,
): Promise<string> {
  const config = ContainerConfig.fromPartial(toPartial(containerConfig(w, name)));
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId: sandbox.id,
    config,
    sandboxConfig: sandbox.config,
  });
  w.containerIds.push(containerId);
  if (start) await cri.runtime.startContainer({ containerId });
  return containerId;
}

/** snake_case template -> the camelCase partial ts-proto's fromPartial takes. */
function toPartial(v: unknown): never {
  if (Array.isArray(v)) return v.map(toPartial) as never;
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const isMap = k === 'labels' || k === 'annotations';
      out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = isMap ? x : toPartial(x);
    }
    return out as never;
  }
  return v as never;
}

/**
 * Stops and removes every container, then every sandbox, that carries the fuzzer's label
 * or is not in `before` (unless a node agent owns it). Resolves with what is still there.
 */
export async function cleanUp(
  cri: CriClient,
  w: FuzzWorld,
  before: Inventory,
): Promise<{ removed: number; left: string[] }> {
  const ours = (id: string, labels: Record<string, string>, known: Set<string>) =>
    labels[w.label[0]] === w.label[1] || (!known.has(id) && labels[AGENT_LABEL] === undefined);
  let removed = 0;
  const left: string[] = [];
  for (let round = 0; round < 3; round++) {
    const { containers } = await cri.runtime.listContainers({});
    for (const c of containers.filter((c) => ours(c.id, c.labels, before.containers))) {
      await cri.runtime.stopContainer({ containerId: c.id, timeout: 0n }).catch(() => {});
      await cri.runtime.removeContainer({ containerId: c.id }).then(
        () => removed++,
        () => {},
      );
    }
    const { items } = await cri.runtime.listPodSandbox({});
    for (const s of items.filter((s) => ours(s.id, s.labels, before.sandboxes))) {
      await cri.runtime.stopPodSandbox({ podSandboxId: s.id }).catch(() => {});
      await cri.runtime.removePodSandbox({ podSandboxId: s.id }).then(
        () => removed++,
        () => {},
      );
    }
    const [s2, c2] = await Promise.all([
      cri.runtime.listPodSandbox({}),
      cri.runtime.listContainers({}),
    ]);
    left.length = 0;
    for (const x of s2.items)
      if (ours(x.id, x.labels, before.sandboxes)) left.push(`sandbox ${x.id}`);
    for (const x of c2.containers)
      if (ours(x.id, x.labels, before.containers)) left.push(`container ${x.id}`);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return { removed, left };
}
