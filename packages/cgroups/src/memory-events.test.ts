import { describe, expect, it, vi } from 'vitest';
import { type MemoryEvent, MemoryEventWatcher } from './memory-events.js';

describe('MemoryEventWatcher', () => {
  it('delivers events to listeners and iterators, buffering before iteration', async () => {
    const stop = vi.fn();
    const w = new MemoryEventWatcher('/x', stop);
    const heard: MemoryEvent[] = [];
    w.on('event', (e: MemoryEvent) => heard.push(e));
    w.push({ type: 'oom', path: '/x', oomKills: 1 });
    const it = w[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({
      value: { type: 'oom', path: '/x', oomKills: 1 },
      done: false,
    });
    const pending = it.next();
    w.push({ type: 'high', path: '/x', count: 2 });
    expect((await pending).value).toEqual({ type: 'high', path: '/x', count: 2 });
    expect(heard).toHaveLength(2);
  });

  it('closes itself after a removed event and ends iteration', async () => {
    const stop = vi.fn();
    const w = new MemoryEventWatcher('/x', stop);
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of w) seen.push(e.type);
    })();
    w.push({ type: 'removed', path: '/x' });
    await done;
    expect(seen).toEqual(['removed']);
    expect(w.closed).toBe(true);
    expect(stop).toHaveBeenCalledOnce();
    w.close();
    expect(stop).toHaveBeenCalledOnce();
  });

  it('breaking out of for-await closes the watcher', async () => {
    const stop = vi.fn();
    const w = new MemoryEventWatcher('/x', stop);
    w.push({ type: 'oom', path: '/x', oomKills: 0 });
    for await (const _ of w) break;
    expect(stop).toHaveBeenCalledOnce();
  });

  it('reports failures only to error listeners', () => {
    const w = new MemoryEventWatcher('/x', () => {});
    expect(() => w.fail(new Error('boom'))).not.toThrow();
    const onError = vi.fn();
    w.on('error', onError);
    w.fail(new Error('boom'));
    expect(onError).toHaveBeenCalledOnce();
  });
});
