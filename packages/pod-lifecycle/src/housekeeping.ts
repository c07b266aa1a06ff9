import { collectImages, type ImageGcOptions, type ImageGcRuntime } from './image-gc.js';
import type { LifecycleLogger } from './logger.js';

/**
 * Container log rotation as the lifecycle runs it: one pass over the running containers'
 * logs. The lifecycle has no log format of its own; the embedder fills this in.
 */
export interface ContainerLogRotator {
  rotate(): Promise<unknown>;
}

/** What the housekeeping loop does and how often. */
export interface HousekeepingOptions {
  periodMs: number;
  cri: ImageGcRuntime;
  imageGc: ImageGcOptions;
  logRotation?: ContainerLogRotator | undefined;
  /** Removes what deleted pods left behind (see sweepPodLeftovers). */
  podCleanup?: (() => Promise<unknown>) | undefined;
  /** Runs after every pass, failed or not (the node agent gives memory back to the kernel). */
  afterEach?: (() => void) | undefined;
  logger: LifecycleLogger;
}

/**
 * The kubelet's housekeeping: every period, container log rotation, the leftovers of
 * deleted pods, then image GC; one pass
 * at a time. Returns the function that stops it.
 */
export function startHousekeeping(o: HousekeepingOptions): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await o.logRotation?.rotate();
      await o.podCleanup?.();
      await collectImages(o.cri, o.imageGc, o.logger);
    } catch (err) {
      o.logger.warn({ err: (err as Error).message }, 'housekeeping failed');
    } finally {
      running = false;
      o.afterEach?.();
    }
  }, o.periodMs);
  return () => clearInterval(timer);
}
