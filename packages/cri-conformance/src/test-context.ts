import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContainerConfig,
  ContainerConfig as ContainerConfigCodec,
  ContainerState,
  type ContainerStatus,
  type CriClient,
  type DeepPartial,
  isNotFound,
  type PodSandboxConfig,
  PodSandboxConfig as PodSandboxConfigCodec,
} from '@capstan/cri-api';
import type { ConformanceImages, ConformanceOptions, TestContext } from './suite-types.js';

/** Thrown by `t.skip()`: the runner records the test as skipped. */
export class SkipTest extends Error {}

/** Label every pod of a run carries, so a crashed run's leftovers can be found. */
export const RUN_LABEL = 'capstan.io/cri-conformance-run';

export interface TestContextHandle {
  context: TestContext;
  cleanup(): Promise<string[]>;
}

export function createTestContext(
  cri: CriClient,
  imageCri: CriClient,
  options: ConformanceOptions & { images: ConformanceImages },
  runId: string,
  testSlug: string,
  baseDir: string,
): TestContextHandle {
  const uid = `${testSlug.slice(0, 30)}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = join(baseDir, uid);
  mkdirSync(dir, { recursive: true });
  const deferred: (() => Promise<unknown> | unknown)[] = [];
  const runtime = cri.runtime;

  const context: TestContext = {
    runtime,
    image: imageCri.image,
    images: options.images,
    hostExec: options.hostExec,
    uid,
    dir,
    defer: (fn) => deferred.push(fn),
    skip: (reason) => {
      throw new SkipTest(reason);
    },
    podConfig: (overrides = {}) => {
      const base: DeepPartial<PodSandboxConfig> = {
        metadata: {
          name: `pod-${uid}`,
          uid: `uid-${uid}`,
          namespace: 'cri-conformance',
          attempt: 0,
        },
        logDirectory: join(dir, 'logs'),
        labels: { [RUN_LABEL]: runId },
        linux: {},
      };
      return PodSandboxConfigCodec.fromPartial(merge(base, overrides) as never);
    },
    runPod: async (overrides) => {
      const config = context.podConfig(overrides);
      mkdirSync(config.logDirectory, { recursive: true });
      const { podSandboxId } = await runtime.runPodSandbox({ config });
      deferred.push(async () => {
        // A test may have removed it already; some runtimes answer NOT_FOUND to a later stop.
        await runtime.stopPodSandbox({ podSandboxId }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
        await runtime.removePodSandbox({ podSandboxId });
      });
      return { id: podSandboxId, config };
    },
    containerConfig: (name, overrides = {}) => {
      const base: DeepPartial<ContainerConfig> = {
        metadata: { name, attempt: 0 },
        image: { image: options.images.busybox },
        logPath: `${name}.log`,
        linux: {},
      };
      return ContainerConfigCodec.fromPartial(merge(base, overrides) as never);
    },
    createContainer: async (pod, config) => {
      const { containerId } = await runtime.createContainer({
        podSandboxId: pod.id,
        config,
        sandboxConfig: pod.config,
      });
      deferred.push(async () => {
        // Retried like the kubelet does: a runtime may still be tidying an exited container.
        for (let attempt = 1; ; attempt++) {
          try {
            await runtime.removeContainer({ containerId });
            return;
          } catch (err) {
            if (isNotFound(err)) return;
            if (attempt === 3) throw err;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      });
      return containerId;
    },
    startContainer: async (pod, config) => {
      const id = await context.createContainer(pod, config);
      await runtime.startContainer({ containerId: id });
      return id;
    },
    waitStatus: async (containerId, predicate, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: ContainerStatus | undefined;
      while (Date.now() < deadline) {
        last = (await runtime.containerStatus({ containerId, verbose: false })).status;
        if (last && predicate(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `container ${containerId.slice(0, 12)} did not reach the expected state in ${timeoutMs} ms (last: ${last ? ContainerState[last.state] : 'none'})`,
      );
    },
    waitExited: (containerId, timeoutMs) =>
      context.waitStatus(
        containerId,
        (s) => s.state === ContainerState.CONTAINER_EXITED,
        timeoutMs,
      ),
    sh: async (containerId, script, timeoutSec = 10) => {
      const res = await runtime.execSync({
        containerId,
        cmd: ['sh', '-c', script],
        timeout: BigInt(timeoutSec),
      });
      return {
        ...res,
        out: Buffer.from(res.stdout).toString(),
        err: Buffer.from(res.stderr).toString(),
      };
    },
    logPathOf: (pod, config) => join(pod.config.logDirectory, config.logPath),
  };

  return {
    context,
    async cleanup() {
      const errors: string[] = [];
      for (const fn of deferred.reverse()) {
        try {
          await fn();
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      return errors;
    },
  };
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function merge<T extends object>(base: T, over: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlain(prev) && isPlain(v) ? merge(prev as object, v as object) : (v as unknown);
  }
  return out as T;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
