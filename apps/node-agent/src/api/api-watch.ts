import type { ServerResponse } from 'node:http';
import type { ApiContext } from './api-context.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One watch, described by how to subscribe, filter and render. */
export interface WatchSpec<T> {
  /**
   * Starts the subscription; events may arrive synchronously during the call. Throwing
   * here answers the request with a Status instead of a watch stream.
   */
  subscribe(onEvent: (type: WatchEventType, object: T) => void): () => void;
  key(object: T): string;
  /** Whether the object passes the request's namespace and selectors. */
  matches(object: T): boolean;
  /** The event's `object`: the resource, a Table row or metadata. */
  render(object: T, first: boolean): unknown;
  /** The objects as they are when a watch resumes from a resourceVersion. */
  seed?: T[];
  timeoutSeconds?: number;
}

/**
 * Serves `?watch=1`: chunked JSON events, one per line, as the API server sends them.
 * Selector semantics follow Kubernetes: an object that stops matching is sent as
 * DELETED, one that starts matching as ADDED. The stream ends after timeoutSeconds,
 * when the client goes away, or when the API closes.
 */
export function serveWatch<T>(ctx: ApiContext, res: ServerResponse, spec: WatchSpec<T>): void {
  // What the client knows about each object: whether it matched when last sent. A resumed
  // watch starts from the objects as they are now ("uncertain": their state at the
  // resourceVersion is not known), so their first change is sent as MODIFIED or DELETED.
  const known = new Map<string, { matched: boolean; certain: boolean; last: T }>();
  for (const o of spec.seed ?? [])
    known.set(spec.key(o), { matched: spec.matches(o), certain: false, last: o });
  let first = true;
  let ready = false;
  const pending: [WatchEventType, T][] = [];
  const send = (type: WatchEventType, object: T) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(`${JSON.stringify({ type, object: spec.render(object, first) })}\n`);
    first = false;
  };
  const onEvent = (type: WatchEventType, object: T) => {
    if (!ready) {
      pending.push([type, object]);
      return;
    }
    const key = spec.key(object);
    const was = known.get(key);
    if (type === 'DELETED') {
      known.delete(key);
      if (was?.matched ?? spec.matches(object)) send('DELETED', object);
      return;
    }
    const now = spec.matches(object);
    known.set(key, { matched: now, certain: true, last: object });
    if (type === 'ADDED') {
      if (now) send('ADDED', object);
    } else if (was === undefined || !was.certain) {
      if (now) send('MODIFIED', object);
      else if (was?.matched ?? true) send('DELETED', object);
    } else if (now) {
      send(was.matched ? 'MODIFIED' : 'ADDED', object);
    } else if (was.matched) {
      send('DELETED', was.last);
    }
  };
  const unsubscribe = spec.subscribe(onEvent);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  ctx.streams.add(res);
  ready = true;
  for (const [type, object] of pending.splice(0)) onEvent(type, object);
  const seconds = Math.min(spec.timeoutSeconds ?? ctx.maxWatchSeconds, ctx.maxWatchSeconds);
  const timer = setTimeout(() => res.end(), seconds * 1000);
  const stop = () => {
    clearTimeout(timer);
    unsubscribe();
    ctx.streams.delete(res);
  };
  // 'close' fires when the client goes away as well as after res.end().
  res.on('close', stop);
}
