import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { errorOfKind } from '@capstan/errdefs';
import { keyOf, nsOf } from './pod-naming.js';
import type { Pod, PodStatus } from './pod-types.js';

/** Where a pod came from: a manifest file (static), or the local pod API. */
export type PodSource = 'file' | 'api';

/** A watch event as the Kubernetes watch API sends it. */
export interface PodEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Pod;
}

/**
 * Where API pods are kept across restarts: the part of `@capstan/checkpoint`'s
 * `CheckpointStore` the registry uses (any durable keyed store fits).
 */
export interface PodCheckpoints {
  list(): Promise<{ keys: readonly string[] }>;
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<unknown>;
}

/**
 * The watch history's bounds: events kept for resuming watches, and the bytes of their
 * JSON. A count alone is no bound: a pod may be up to the API's 3 MiB body limit, and
 * 1000 of those would be 3 GiB (seen: five 50,000-variable pods held 20 MiB).
 */
export const HISTORY_MAX_EVENTS = 1000;
export const HISTORY_MAX_BYTES = 16 * 1024 * 1024;

/** One pod the agent is responsible for. */
export interface PodEntry {
  pod: Pod;
  source: PodSource;
  /** Set when deletion started: the worker kills the pod, then calls `finalize`. */
  deleting?: { gracePeriodSeconds: number; since: number };
  /** Set when the pod was evicted: the worker kills it and keeps it Failed/Evicted. */
  evicted?: { message: string; gracePeriodSeconds: number };
}

/**
 * The desired pods and their last status. Every change bumps a resourceVersion and is
 * emitted as a watch event; API pods are checkpointed so they survive an agent restart.
 */
export class PodRegistry {
  private readonly byUid = new Map<string, PodEntry>();
  private rv = 0;
  private readonly events = new EventEmitter<{ event: [PodEvent]; changed: [PodEntry] }>();
  /** Events to resume watches from, as JSON (a third of the heap the objects take). */
  private readonly history: { rv: number; type: PodEvent['type']; json: string }[] = [];
  private historyBytes = 0;
  /** The newest resourceVersion dropped from the history: a watch from before it is too old. */
  private trimmedRv = 0;

  constructor(private readonly checkpoints?: PodCheckpoints) {
    this.events.setMaxListeners(0);
  }

  /** Loads API pods checkpointed by an earlier run. */
  async restore(): Promise<number> {
    if (!this.checkpoints) return 0;
    const { keys } = await this.checkpoints.list();
    for (const k of keys) {
      const pod = (await this.checkpoints.get(k)) as Pod;
      this.byUid.set(pod.metadata.uid!, { pod, source: 'api' });
    }
    return keys.length;
  }

  entries(): PodEntry[] {
    return [...this.byUid.values()];
  }

  byKey(namespace: string, name: string): PodEntry | undefined {
    return this.entries().find((e) => nsOf(e.pod) === namespace && e.pod.metadata.name === name);
  }

  get(uid: string): PodEntry | undefined {
    return this.byUid.get(uid);
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Adds or replaces a pod (spec change from its source). */
  async upsert(pod: Pod, source: PodSource): Promise<PodEntry> {
    pod.metadata.namespace = nsOf(pod);
    pod.metadata.uid ??= randomUUID();
    pod.metadata.creationTimestamp ??= new Date().toISOString();
    pod.apiVersion = 'v1';
    pod.kind = 'Pod';
    const existing = this.byUid.get(pod.metadata.uid);
    const entry: PodEntry = existing
      ? {
          ...existing,
          pod: { ...pod, ...(existing.pod.status ? { status: existing.pod.status } : {}) },
        }
      : { pod, source };
    entry.pod.status ??= { phase: 'Pending' };
    this.byUid.set(pod.metadata.uid, entry);
    if (source === 'api')
      await this.checkpoints?.put(pod.metadata.uid, { ...entry.pod, status: undefined });
    this.emit(existing ? 'MODIFIED' : 'ADDED', entry);
    return entry;
  }

  /** Marks a pod for deletion; the worker finishes it. */
  markDeleting(uid: string, gracePeriodSeconds: number): PodEntry | undefined {
    const entry = this.byUid.get(uid);
    if (!entry) return undefined;
    if (!entry.deleting) {
      entry.deleting = { gracePeriodSeconds, since: Date.now() };
      entry.pod.metadata.deletionTimestamp = new Date().toISOString();
      entry.pod.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
      this.emit('MODIFIED', entry);
    } else if (gracePeriodSeconds < entry.deleting.gracePeriodSeconds) {
      entry.deleting.gracePeriodSeconds = gracePeriodSeconds;
      this.emit('MODIFIED', entry);
    }
    return entry;
  }

  /** Removes a pod whose containers and sandbox are gone. */
  async finalize(uid: string): Promise<void> {
    const entry = this.byUid.get(uid);
    if (!entry) return;
    this.byUid.delete(uid);
    if (entry.source === 'api') await this.checkpoints?.remove(uid);
    this.emit('DELETED', entry);
  }

  /** Stores a newly computed status; emits only when it changed. */
  setStatus(uid: string, status: PodStatus): void {
    const entry = this.byUid.get(uid);
    if (!entry) return;
    if (JSON.stringify(entry.pod.status) === JSON.stringify(status)) return;
    entry.pod.status = status;
    this.emit('MODIFIED', entry, false);
  }

  /**
   * Subscribes to watch events; replays the history after `resourceVersion`. Throws an
   * `out-of-range` error (the API's 410 Expired: "too old resource version") when events
   * after it are no longer held: the client relists. One that is no number is
   * `invalid-argument`.
   */
  watch(onEvent: (e: PodEvent) => void, resourceVersion?: string): () => void {
    if (resourceVersion === undefined || resourceVersion === '' || resourceVersion === '0') {
      for (const e of this.entries()) onEvent({ type: 'ADDED', object: structuredClone(e.pod) });
    } else {
      const from = Number(resourceVersion);
      if (!Number.isSafeInteger(from) || from < 0)
        throw errorOfKind('invalid-argument', `invalid resource version: ${resourceVersion}`);
      if (from < this.trimmedRv)
        throw errorOfKind(
          'out-of-range',
          `too old resource version: ${resourceVersion} (${this.trimmedRv + 1})`,
        );
      for (const h of this.history)
        if (h.rv > from) onEvent({ type: h.type, object: JSON.parse(h.json) as Pod });
    }
    this.events.on('event', onEvent);
    return () => this.events.off('event', onEvent);
  }

  /** Called with every changed entry (the agent's workers listen). */
  onChange(fn: (e: PodEntry) => void): void {
    this.events.on('changed', fn);
  }

  private emit(type: PodEvent['type'], entry: PodEntry, specChanged = true) {
    this.rv++;
    entry.pod.metadata.resourceVersion = String(this.rv);
    const json = JSON.stringify(entry.pod);
    this.history.push({ rv: this.rv, type, json });
    this.historyBytes += json.length;
    while (
      this.history.length > HISTORY_MAX_EVENTS ||
      (this.historyBytes > HISTORY_MAX_BYTES && this.history.length > 1)
    ) {
      const dropped = this.history.shift()!;
      this.historyBytes -= dropped.json.length;
      this.trimmedRv = dropped.rv;
    }
    this.events.emit('event', { type, object: JSON.parse(json) as Pod });
    if (type !== 'DELETED' && specChanged) this.events.emit('changed', entry);
  }

  keys(): string[] {
    return this.entries().map((e) => keyOf(e.pod));
  }
}
