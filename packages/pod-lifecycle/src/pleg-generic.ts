import { isUnavailable, type RuntimeServiceClient } from '@capstan/cri-api';
import type { LifecycleLogger } from './logger.js';
import { LABEL_MANAGED, LABEL_POD_UID } from './pod-naming.js';

/** What the generic PLEG needs. */
export interface GenericPlegOptions {
  runtime: Pick<RuntimeServiceClient, 'listPodSandbox' | 'listContainers'>;
  /** The agent's ID: only sandboxes labelled with it are this agent's pods. */
  agentId: string;
  /** Wakes the worker of a pod whose runtime state changed. */
  kick(uid: string): void;
  /** Whether the pod is still desired (a pod gone from the runtime is then synced again). */
  known(uid: string): boolean;
  logger: LifecycleLogger;
  /** Called with the duration of every relist, in seconds (metrics). */
  onRelist?(seconds: number): void;
}

/**
 * The kubelet's generic PLEG: relists sandboxes and containers, and kicks the worker of each
 * pod whose signature (IDs and states) changed since the last relist.
 */
export class GenericPleg {
  private relisting = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly lastSignatures = new Map<string, string>();
  /** The pod of each container in the last relist (only those: a node churns through millions). */
  private uidOfContainer = new Map<string, string>();
  private lastRelist = 0;

  constructor(private readonly o: GenericPlegOptions) {}

  /** Relists now, then every `periodMs`. */
  async start(periodMs: number): Promise<void> {
    await this.relist();
    this.timer = setInterval(() => void this.relist(), periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The pod UID of a container seen by a relist (evented PLEG routes events with it). */
  uidOf(containerId: string): string | undefined {
    return this.uidOfContainer.get(containerId);
  }

  /** PLEG: one relist, kicking the workers of pods whose runtime state changed. */
  async relist(): Promise<void> {
    // One relist at a time: a runtime slower than the period must not pile them up.
    if (this.relisting) return;
    this.relisting = true;
    const t0 = performance.now();
    try {
      const [{ items }, { containers }] = await Promise.all([
        this.o.runtime.listPodSandbox({}, { deadlineMs: 10_000 }),
        this.o.runtime.listContainers({}, { deadlineMs: 10_000 }),
      ]);
      const sig = new Map<string, string[]>();
      const uidOfContainer = new Map<string, string>();
      for (const s of items) {
        const uid = s.labels[LABEL_POD_UID];
        if (!uid || s.labels[LABEL_MANAGED] !== this.o.agentId) continue;
        sig.set(uid, [...(sig.get(uid) ?? []), `s${s.id}:${s.state}`]);
      }
      for (const c of containers) {
        const uid = c.labels[LABEL_POD_UID];
        if (!uid || !sig.has(uid)) continue;
        uidOfContainer.set(c.id, uid);
        sig.get(uid)!.push(`c${c.id}:${c.state}`);
      }
      for (const [uid, parts] of sig) {
        const s = parts.sort().join(',');
        if (this.lastSignatures.get(uid) !== s) {
          this.lastSignatures.set(uid, s);
          this.o.kick(uid);
        }
      }
      for (const uid of [...this.lastSignatures.keys()]) {
        if (!sig.has(uid)) {
          this.lastSignatures.delete(uid);
          if (this.o.known(uid)) this.o.kick(uid);
        }
      }
      // A late event of a container gone since is routed by a relist (the evented PLEG).
      this.uidOfContainer = uidOfContainer;
      this.lastRelist = Date.now();
    } catch (err) {
      this.o.logger.warn(
        { err: isUnavailable(err) ? (err as Error).message : err },
        'PLEG relist failed',
      );
    } finally {
      this.relisting = false;
      this.o.onRelist?.((performance.now() - t0) / 1000);
    }
  }

  /** Healthy while relists succeed (the kubelet allows 3 minutes). */
  healthy(): { ok: boolean; reason?: string } {
    const age = Date.now() - this.lastRelist;
    return age < 180_000
      ? { ok: true }
      : { ok: false, reason: `PLEG last relisted ${Math.round(age / 1000)}s ago` };
  }
}
