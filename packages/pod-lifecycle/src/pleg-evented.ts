import { isUnimplemented, type RuntimeServiceClient } from '@capstan/cri-api';
import type { LifecycleLogger } from './logger.js';

/** What the evented PLEG needs. */
export interface EventedPlegOptions {
  runtime: Pick<RuntimeServiceClient, 'getContainerEvents'>;
  /** The pod of a container, as the last relist saw it. */
  uidOf(containerId: string): string | undefined;
  /** Wakes a pod's worker. */
  kick(uid: string): void;
  /** An event of a container no relist has seen yet: relist now. */
  relist(): void;
  logger: LifecycleLogger;
}

/**
 * Evented PLEG: container events from the runtime (GetContainerEvents) wake the pod's
 * worker at once; relisting stays as the fallback and safety net. Runtimes without the
 * RPC answer UNIMPLEMENTED and the agent relies on relisting alone. Abort the returned
 * controller to stop following.
 */
export function followContainerEvents(o: EventedPlegOptions): AbortController {
  const events = new AbortController();
  const signal = events.signal;
  void (async () => {
    while (!signal.aborted) {
      try {
        for await (const e of o.runtime.getContainerEvents({}, { signal })) {
          const uid = e.containerId && o.uidOf(e.containerId);
          if (uid) o.kick(uid);
          else o.relist();
        }
      } catch (err) {
        if (signal.aborted) return;
        if (isUnimplemented(err)) {
          o.logger.info({}, 'runtime has no container events; PLEG relists only');
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return events;
}
