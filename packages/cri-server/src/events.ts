import type { Core, LifecycleEvent } from './core.js';

/** GetContainerEvents: every lifecycle event from subscription on, until the call ends. */
export async function* eventStream(core: Core, signal: AbortSignal) {
  const queue: LifecycleEvent[] = [];
  let wake: (() => void) | undefined;
  const onEvent = (e: LifecycleEvent) => {
    queue.push(e);
    wake?.();
  };
  core.events.on('event', onEvent);
  signal.addEventListener('abort', () => wake?.(), { once: true });
  try {
    while (!signal.aborted) {
      const e = queue.shift();
      if (e) {
        yield { containerId: e.containerId, containerEventType: e.type, createdAt: e.createdAt };
        continue;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    core.events.off('event', onEvent);
  }
}
