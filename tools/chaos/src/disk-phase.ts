// The full-disk phase: the small disk under the agent's root, the pod logs and the
// runtime's state is filled up during pod churn, and every component is SIGKILLed and
// started again while it is full. Then the space comes back. What must hold: nothing
// crashed on its own; the failed writes surfaced as Events that say the disk is full;
// every checkpoint on the disk reads back (its checksum would catch a torn one) and no
// temporary file is left; the node converges (every wanted pod Running, nothing leaked).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpointStore } from '@capstan/checkpoint';
import { isAlive, unixRequest } from '@capstan/testenv';
import type { Audit } from './audit.js';
import type { ChaosNode } from './chaos-node.js';
import type { PodChurn } from './churn.js';
import { converge } from './converge.js';

export interface DiskReport {
  /** What the filler took: the disk's free bytes and inodes. */
  filled: { bytes: number; inodes: number };
  /** Churn steps taken while the disk was full. */
  steps: number;
  /** Components SIGKILLed while the disk was full: whether each served again. */
  restarts: { component: string; ok: boolean; error?: string }[];
  /** The agent's Events whose message says the disk is full, and a few of them. */
  noSpaceEvents: number;
  eventSamples: string[];
  /** Components that died on their own while the disk was full. */
  crashed: string[];
  /** After the space came back: converged, and how long it took. */
  recovered: boolean;
  recoveryMs: number;
  /** Checkpoint files that do not read back, and temporary files left, after recovery. */
  corruptCheckpoints: string[];
  tempFiles: string[];
  /** Why it did not pass, one line each. */
  problems: string[];
}

export interface DiskPhaseOptions {
  /** Churn steps while full (one a second or so). */
  steps: number;
  random: () => number;
  recoverTimeoutMs: number;
  log(msg: string): void;
}

const NO_SPACE = /no space left on device|ENOSPC|disk is full/i;

interface KubeEvent {
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
}

async function agentEvents(node: ChaosNode): Promise<KubeEvent[]> {
  const res = await unixRequest(node.podApi.socket, { path: '/api/v1/events', timeoutMs: 10_000 });
  if (res.status !== 200) throw new Error(`GET /api/v1/events: ${res.status}`);
  return (JSON.parse(res.body.toString()) as { items: KubeEvent[] }).items;
}

/** Every dir on the disk that holds checkpoints: the agent's pods, the shim's records. */
function checkpointDirs(node: ChaosNode): string[] {
  const dirs = [join(node.dirs.agentRoot, 'checkpoints', 'pods')];
  if (node.dirs.shimState)
    dirs.push(
      join(node.dirs.shimState, 'cri', 'sandboxes'),
      join(node.dirs.shimState, 'cri', 'containers'),
    );
  return dirs.filter((d) => existsSync(d));
}

/** Checkpoints that do not read back, and temporary files (`.tmp-*`) left in their dirs. */
export async function checkpointIntegrity(
  node: ChaosNode,
): Promise<{ corrupt: string[]; temp: string[] }> {
  const corrupt: string[] = [];
  const temp: string[] = [];
  for (const dir of checkpointDirs(node)) {
    // Not exclusive: reads only, beside the process that owns the store.
    const store = await openCheckpointStore({ dir, sweepOnOpen: false });
    const listing = await store.list();
    for (const e of listing.corrupt) corrupt.push(`${e.path}: ${e.message}`);
    for (const f of readdirSync(dir)) if (f.startsWith('.tmp-')) temp.push(join(dir, f));
    await store.close();
  }
  return { corrupt, temp };
}

export async function runDiskPhase(
  node: ChaosNode,
  churn: PodChurn,
  audit: () => Promise<Audit>,
  o: DiskPhaseOptions,
): Promise<DiskReport> {
  const problems: string[] = [];
  const eventsBefore = new Set(
    (await agentEvents(node)).map((e) => `${e.reason}: ${e.message ?? ''}`),
  );
  const filled = node.disk.fill();
  o.log(`disk full: took ${filled.bytes} bytes and ${filled.inodes} inodes`);
  const restarts: DiskReport['restarts'] = [];
  let steps = 0;
  let crashed: string[] = [];
  try {
    // Churn while full, with every component killed and started again on the way.
    const perKill = Math.max(1, Math.floor(o.steps / (node.components.length + 1)));
    for (const c of node.components) {
      for (let i = 0; i < perKill; i++, steps++) {
        churn.step();
        await new Promise((r) => setTimeout(r, 800 + Math.floor(o.random() * 800)));
      }
      await c.kill();
      const r: DiskReport['restarts'][number] = await c.restart().then(
        () => ({ component: c.name, ok: true }),
        (err: unknown) => ({ component: c.name, ok: false, error: (err as Error).message }),
      );
      restarts.push(r);
      o.log(`disk full: kill -9 ${c.name}: ${r.ok ? 'serves again' : `did not start: ${r.error}`}`);
      if (!r.ok) problems.push(`${c.name} did not start again on a full disk: ${r.error}`);
    }
    for (; steps < o.steps; steps++) {
      churn.step();
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    // Whatever happened above, the space comes back before anything else is judged.
    const dead = node.components.filter((c) => !isAlive(c.pid()));
    crashed = dead.map((c) => c.name);
    node.disk.free();
    o.log(`disk freed${crashed.length ? `; dead: ${crashed.join(', ')}` : ''}`);
    for (const name of crashed) problems.push(`${name} died while the disk was full`);
    // Bring them back so the rest of the campaign still has a node.
    for (const c of dead) await c.restart().catch(() => {});
  }
  const events = (await agentEvents(node).catch(() => [])).filter(
    (e) => !eventsBefore.has(`${e.reason}: ${e.message ?? ''}`),
  );
  const noSpace = events.filter((e) => NO_SPACE.test(e.message ?? ''));
  if (noSpace.length === 0)
    problems.push(
      `no Event says the disk is full (${events.length} new events: ${[...new Set(events.map((e) => e.reason))].join(', ')})`,
    );
  const { ms, audit: a } = await converge(audit, o.recoverTimeoutMs);
  o.log(`disk phase: ${a.converged ? `converged in ${ms} ms` : `NOT converged after ${ms} ms`}`);
  if (!a.converged)
    problems.push(`not converged after space returned: ${a.problems.slice(0, 6).join('; ')}`);
  const { corrupt, temp } = await checkpointIntegrity(node);
  for (const c of corrupt) problems.push(`corrupt checkpoint ${c}`);
  if (temp.length > 0) problems.push(`${temp.length} temporary checkpoint files left`);
  return {
    filled,
    steps,
    restarts,
    noSpaceEvents: noSpace.length,
    eventSamples: [...new Set(noSpace.map((e) => `${e.reason}: ${e.message}`))].slice(0, 8),
    crashed,
    recovered: a.converged,
    recoveryMs: ms,
    corruptCheckpoints: corrupt,
    tempFiles: temp,
    problems,
  };
}

export function diskPassed(d: DiskReport): boolean {
  return d.problems.length === 0;
}
