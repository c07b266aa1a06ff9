import { EventEmitter } from 'node:events';

/**
 * A memory event of a cgroup:
 * - `oom`: the cgroup hit its memory limit and the OOM killer ran (v1: `memory.oom_control`
 *   eventfd; v2: the `oom` or `oom_kill` counter of `memory.events` grew). `oomKills` is the
 *   kill counter read just after the event; the kernel may bump it a moment later.
 * - `threshold` (v1): usage crossed one of the thresholds asked for (either direction).
 * - `high` / `max` (v2): the `high` / `max` counters of `memory.events` grew.
 * - `removed`: the cgroup was removed; the watcher closes itself after this event.
 */
export type MemoryEvent =
  | { type: 'oom'; path: string; oomKills: number }
  | { type: 'threshold'; path: string; thresholdBytes: number; usageBytes: number }
  | { type: 'high' | 'max'; path: string; count: number }
  | { type: 'removed'; path: string };

/** Options of `watchMemoryEvents`. */
export interface MemoryWatchOptions {
  /**
   * Usage thresholds in bytes to be told about (v1 `cgroup.event_control` on
   * `memory.usage_in_bytes`). cgroup v2 has no threshold notification: asking for one there
   * throws `UnimplementedError`.
   */
  thresholds?: number[];
}

/**
 * Memory events of one cgroup, delivered without polling: as an EventEmitter (`'event'`,
 * `'error'`, `'close'`) and as an async iterable that ends when the watcher closes.
 *
 * ```ts
 * const watcher = await manager.watchMemoryEvents('/kubepods/pod1');
 * for await (const ev of watcher) if (ev.type === 'oom') restart();
 * ```
 */
export class MemoryEventWatcher extends EventEmitter implements AsyncIterable<MemoryEvent> {
  /** The cgroup being watched. */
  readonly path: string;
  #closed = false;
  #stop: () => void;
  #queue: MemoryEvent[] = [];
  #waiters: Array<(r: IteratorResult<MemoryEvent>) => void> = [];

  /** @internal Backends create watchers; `stop` releases their kernel resources. */
  constructor(path: string, stop: () => void) {
    super();
    this.path = path;
    this.#stop = stop;
  }

  /** Whether {@link close} ran (or the cgroup was removed). */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal Deliver one event to listeners and iterators. */
  push(event: MemoryEvent): void {
    if (this.#closed) return;
    this.emit('event', event);
    const w = this.#waiters.shift();
    if (w) w({ value: event, done: false });
    else this.#queue.push(event);
    if (event.type === 'removed') this.close();
  }

  /** @internal Report a failure of the watch itself (listeners on 'error' only). */
  fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  /** Stop watching and release the eventfd / inotify watch. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
    this.emit('close');
  }

  /** Iterate over events until the watcher closes. Events before iteration are buffered. */
  [Symbol.asyncIterator](): AsyncIterator<MemoryEvent> {
    return {
      next: () => {
        const ev = this.#queue.shift();
        if (ev) return Promise.resolve({ value: ev, done: false });
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiters.push(resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
