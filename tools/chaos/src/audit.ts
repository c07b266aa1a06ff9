// The leak audit: what should exist (the churn's desired pods) against what does, in the
// agent, the runtime and the kernel. `converged` says the node caught up (every desired pod
// Running and Ready, the agent's container IDs running in the runtime, nothing extra);
// `leaks` counts, by kind, what exists without a pod that wants it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder } from '@capstan/testenv';
import type { ChaosNode } from './chaos-node.js';

export const LEAK_KINDS = [
  'agent pods',
  'sandboxes',
  'containers',
  'processes',
  'cgroups',
  'netns',
  'veths',
  'ip allocations',
  'iptables rules',
  'mounts',
  'checkpoints',
  'log dirs',
] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

export interface Audit {
  converged: boolean;
  /** Why not converged, or what leaked: one line each. */
  problems: string[];
  leaks: Record<LeakKind, number>;
  /** Desired pods not Running and Ready. */
  notRunning: string[];
}

interface AgentPod {
  metadata: { name: string; uid: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; ready: boolean }[];
  };
}

const ID = /(?:^|\/)([0-9a-f]{64})(?:\/|$)/;

export async function auditNode(
  node: ChaosNode,
  desired: ReadonlyMap<string, { hostPort?: number }>,
): Promise<Audit> {
  const leaks = Object.fromEntries(LEAK_KINDS.map((k) => [k, 0])) as Record<LeakKind, number>;
  const problems: string[] = [];
  const leak = (kind: LeakKind, what: string) => {
    leaks[kind]++;
    problems.push(`${kind}: ${what}`);
  };
  const fullName = (n: string) => `${n}-${node.nodeName}`;
  const want = new Set([...desired.keys()].map(fullName));
  const withHostPort = [...desired].filter(([, v]) => v.hostPort !== undefined).length;

  // The agent.
  const { items: pods } = await node.agentGet<{ items: AgentPod[] }>('/pods');
  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  const notRunning = [...want].filter((n) => {
    const p = byName.get(n);
    return (
      p?.status?.phase !== 'Running' ||
      p.status.conditions?.find((c) => c.type === 'Ready')?.status !== 'True'
    );
  });
  for (const p of pods) if (!want.has(p.metadata.name)) leak('agent pods', p.metadata.name);
  const wantedUids = new Set(
    pods.filter((p) => want.has(p.metadata.name)).map((p) => p.metadata.uid),
  );

  // The runtime.
  const { items: sandboxes } = await node.cri.runtime.listPodSandbox({});
  const { containers } = await node.cri.runtime.listContainers({});
  const ready = sandboxes.filter((s) => s.state === 0);
  const readyIds = new Set(ready.map((s) => s.id));
  const allIds = new Set([...sandboxes.map((s) => s.id), ...containers.map((c) => c.id)]);
  for (const s of sandboxes) {
    const name = s.metadata?.name ?? '';
    if (!want.has(name))
      leak(
        'sandboxes',
        `${s.id.slice(0, 12)} of ${name} (${s.state === 0 ? 'ready' : 'not ready'})`,
      );
  }
  for (const name of want) {
    const n = ready.filter((s) => s.metadata?.name === name).length;
    if (n > 1) leak('sandboxes', `${n} ready sandboxes for ${name}`);
  }
  for (const c of containers) {
    const sb = sandboxes.find((s) => s.id === c.podSandboxId);
    if (!sb || !want.has(sb.metadata?.name ?? ''))
      leak('containers', `${c.id.slice(0, 12)} (${c.metadata?.name})`);
    else if (c.state === 1 && !readyIds.has(c.podSandboxId))
      leak('containers', `${c.id.slice(0, 12)} running in a dead sandbox`);
  }
  const running = new Set(containers.filter((c) => c.state === 1).map((c) => c.id));
  const mismatched: string[] = [];
  for (const name of want) {
    for (const cs of byName.get(name)?.status?.containerStatuses ?? []) {
      const id = cs.containerID?.replace(/^[a-z]+:\/\//, '') ?? '';
      if (cs.ready && !running.has(id))
        mismatched.push(`${name}: agent says ${id.slice(0, 12)} runs, the runtime does not`);
    }
  }

  // The kernel: processes and cgroups of pods nobody wants.
  const cgroupUids = new Set<string>();
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const root = join('/sys/fs/cgroup', ctrl, node.cgroupRoot);
    if (!existsSync(root)) continue;
    const walk = (dir: string, depth: number) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const m = /^pod([0-9a-f-]{36})$/.exec(e.name.replace(/_/g, '-'));
        if (m) cgroupUids.add(m[1] as string);
        else if (depth < 3) walk(join(dir, e.name), depth + 1);
      }
    };
    walk(root, 0);
  }
  for (const uid of cgroupUids) if (!wantedUids.has(uid)) leak('cgroups', `pod${uid}`);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cg: string;
    try {
      cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    if (!cg.includes(node.cgroupRoot)) continue;
    const uid = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/
      .exec(cg)?.[1]
      ?.replace(/_/g, '-');
    if (uid && !wantedUids.has(uid)) leak('processes', `pid ${pid} of pod${uid}`);
  }

  // The node network: one veth, one IP and (with a hostPort) one DNAT chain per ready sandbox.
  const veths = (await node.execInNode(['ip', '-o', 'link', 'show', 'type', 'veth'])).stdout
    .split('\n')
    .filter(Boolean).length;
  if (veths > ready.length) leak('veths', `${veths} veths for ${ready.length} ready sandboxes`);
  let ips = 0;
  if (existsSync(node.dirs.ipam)) {
    for (const net of readdirSync(node.dirs.ipam)) {
      ips += readdirSync(join(node.dirs.ipam, net)).filter((f) =>
        /^\d+\.\d+\.\d+\.\d+$/.test(f),
      ).length;
    }
  }
  if (ips > ready.length)
    leak('ip allocations', `${ips} allocated IPs for ${ready.length} ready sandboxes`);
  const nat = (await node.execInNode(['iptables-save', '-t', 'nat'])).stdout;
  const dnat = nat.split('\n').filter((l) => l.startsWith(':CNI-DN-')).length;
  if (dnat > withHostPort)
    leak('iptables rules', `${dnat} hostPort DNAT chains for ${withHostPort} pods with a hostPort`);

  // Mounts: pod netns and mounts naming a sandbox or container the runtime no longer has.
  const mounts = [node.dirs.runtime, node.dirs.shimState, node.dirs.agentRoot]
    .filter((d): d is string => d !== undefined)
    .flatMap((d) => mountsUnder(d));
  const nsfs = mounts.filter((m) => m.fsType === 'nsfs').length;
  if (nsfs > sandboxes.length)
    leak('netns', `${nsfs} netns mounts for ${sandboxes.length} sandboxes`);
  if (node.runtime === 'containerd') {
    // containerd's mounts are named by the CRI IDs themselves.
    for (const m of mounts) {
      const id = ID.exec(m.mountPoint)?.[1];
      if (id && !allIds.has(id)) leak('mounts', m.mountPoint);
    }
  } else {
    // Docker names them by its own container IDs (the shim maps CRI IDs to them): one shm
    // per Docker container at most, i.e. per CRI sandbox or container.
    const shm = mounts.filter((m) => m.mountPoint.endsWith('/mounts/shm')).length;
    if (shm > allIds.size)
      leak('mounts', `${shm} container shm mounts for ${allIds.size} sandboxes and containers`);
  }

  // Files: the agent's pod checkpoints and the pod log dirs.
  const cpDir = join(node.dirs.agentRoot, 'checkpoints', 'pods');
  if (existsSync(cpDir)) {
    const files = readdirSync(cpDir).filter((f) => !f.startsWith('.'));
    if (files.length > wantedUids.size)
      leak('checkpoints', `${files.length} pod checkpoints for ${wantedUids.size} pods`);
  }
  if (existsSync(node.dirs.podLogs)) {
    for (const d of readdirSync(node.dirs.podLogs)) {
      const uid = d.split('_').at(-1) ?? '';
      if (!wantedUids.has(uid)) leak('log dirs', d);
    }
  }

  const converged =
    notRunning.length === 0 &&
    mismatched.length === 0 &&
    Object.values(leaks).every((n) => n === 0);
  return { converged, problems: [...mismatched, ...problems], leaks, notRunning };
}
