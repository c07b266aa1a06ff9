import { randomUUID } from 'node:crypto';
import type { EventRecorder, EventType, KubeEvent, ObjectRef } from './events.js';

/** What an {@link EventStore} keeps and who it says recorded the events. */
export interface EventStoreOptions {
  /** The node's name: `source.host` and `reportingInstance`. */
  host: string;
  /** `source.component` and `reportingComponent`. Default `kubelet`. */
  component?: string;
  /** Most events kept; the least recently updated go first. Default 1000. */
  maxEvents?: number;
  /** How long an event lives after its last update (the API server's --event-ttl). Default 1 h. */
  ttlMs?: number;
  /** The clock (ms since the epoch). */
  now?: () => number;
}

export type EventWatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Stored {
  event: KubeEvent;
  key: string;
  /** The resourceVersion it was created at (a resumed watch sends newer ones as ADDED). */
  createdRv: number;
  expires: number;
}

// client-go's EventAggregator: more than this many events that differ only in their
// message, within the interval, are recorded as one "(combined from similar events)".
const AGGREGATE_MAX = 10;
const AGGREGATE_INTERVAL_MS = 600_000;

/**
 * The kubelet's event sink, kept in memory: client-go's correlator (an identical event
 * bumps `count` and `lastTimestamp` of the one recorded before; more than ten that differ
 * only in their message become one combined event), a bound on the number kept and the API
 * server's TTL, and resourceVersions with a watch for serving them.
 */
export class EventStore implements EventRecorder {
  private readonly events = new Map<string, Stored>();
  private readonly byKey = new Map<string, string>();
  private readonly similar = new Map<string, { messages: Set<string>; since: number }>();
  private readonly watchers = new Set<(type: EventWatchType, e: KubeEvent) => void>();
  private rv = 0;
  private lastNano = 0n;
  private readonly component: string;
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly o: EventStoreOptions) {
    this.component = o.component ?? 'kubelet';
    this.max = o.maxEvents ?? 1000;
    this.ttlMs = o.ttlMs ?? 3_600_000;
    this.now = o.now ?? Date.now;
  }

  event(ref: ObjectRef, type: EventType, reason: string, message: string): void {
    const now = this.now();
    this.expire(now);
    const base = [
      this.component,
      this.o.host,
      ref.kind,
      ref.namespace ?? '',
      ref.name,
      ref.fieldPath ?? '',
      ref.uid ?? '',
      ref.apiVersion ?? '',
      type,
      reason,
    ].join('\u0000');
    let key = `${base}\u0000${message}`;
    if (!this.byKey.has(key)) {
      const agg = this.similar.get(base);
      const group =
        agg && now - agg.since <= AGGREGATE_INTERVAL_MS
          ? agg
          : { messages: new Set<string>(), since: now };
      group.messages.add(message);
      this.similar.set(base, group);
      if (group.messages.size > AGGREGATE_MAX) {
        key = `${base}\u0000(combined)`;
        message = `(combined from similar events): ${message}`;
      }
    }
    const ts = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const existingName = this.byKey.get(key);
    const existing = existingName === undefined ? undefined : this.events.get(existingName);
    if (existing) {
      this.events.delete(existingName!);
      existing.event = {
        ...existing.event,
        message,
        count: existing.event.count + 1,
        lastTimestamp: ts,
        metadata: { ...existing.event.metadata, resourceVersion: String(++this.rv) },
      };
      existing.expires = now + this.ttlMs;
      this.events.set(existingName!, existing);
      this.emit('MODIFIED', existing.event);
      return;
    }
    let nano = BigInt(now) * 1_000_000n;
    if (nano <= this.lastNano) nano = this.lastNano + 1n;
    this.lastNano = nano;
    const name = `${ref.name}.${nano.toString(16)}`;
    const namespace = ref.namespace || 'default';
    const event: KubeEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name,
        namespace,
        uid: randomUUID(),
        resourceVersion: String(++this.rv),
        creationTimestamp: ts,
      },
      involvedObject: { ...ref },
      reason,
      message,
      source: { component: this.component, host: this.o.host },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.o.host,
    };
    this.events.set(name, { event, key, createdRv: this.rv, expires: now + this.ttlMs });
    this.byKey.set(key, name);
    this.emit('ADDED', event);
    while (this.events.size > this.max) {
      const oldest = this.events.keys().next().value as string;
      this.remove(oldest);
    }
  }

  /** Every event (optionally one namespace), oldest update first. */
  list(namespace?: string): KubeEvent[] {
    this.expire(this.now());
    return [...this.events.values()]
      .map((s) => s.event)
      .filter((e) => namespace === undefined || e.metadata.namespace === namespace);
  }

  get(namespace: string, name: string): KubeEvent | undefined {
    this.expire(this.now());
    const s = this.events.get(name);
    return s && s.event.metadata.namespace === namespace ? s.event : undefined;
  }

  /** The latest resourceVersion handed out. */
  resourceVersion(): string {
    return String(this.rv);
  }

  /**
   * Subscribes to changes. With `resourceVersion`, events changed after it are sent first
   * (ADDED when created after it, MODIFIED otherwise); without, every event as ADDED.
   */
  watch(
    onEvent: (type: EventWatchType, e: KubeEvent) => void,
    resourceVersion?: string,
  ): () => void {
    const from = resourceVersion === undefined ? undefined : Number(resourceVersion);
    for (const s of this.events.values()) {
      if (from === undefined) onEvent('ADDED', s.event);
      else if (Number(s.event.metadata.resourceVersion) > from)
        onEvent(s.createdRv > from ? 'ADDED' : 'MODIFIED', s.event);
    }
    this.watchers.add(onEvent);
    return () => this.watchers.delete(onEvent);
  }

  private expire(now: number): void {
    // Kept in order of last update, so the first live one ends the sweep.
    for (const [name, s] of this.events) {
      if (s.expires > now) break;
      this.remove(name);
    }
    for (const [k, g] of this.similar)
      if (now - g.since > AGGREGATE_INTERVAL_MS) this.similar.delete(k);
  }

  private remove(name: string): void {
    const s = this.events.get(name);
    if (!s) return;
    this.events.delete(name);
    this.byKey.delete(s.key);
    this.emit('DELETED', s.event);
  }

  private emit(type: EventWatchType, e: KubeEvent): void {
    for (const w of this.watchers) w(type, e);
  }
}
