import assert from 'node:assert/strict';
import { CapstanError, type ErrorKind, isNotFound, kindOf } from '@capstan/cri-api';
import type { ConformanceTest, TestContext } from './suite-types.js';

/** Rejects-validator that names the kind it got when it is not the one expected. */
const isKind = (kind: ErrorKind) => (e: unknown) => {
  assert.ok(e instanceof CapstanError, `not a typed CRI error: ${String(e)}`);
  assert.equal(kindOf(e), kind, `gRPC status ${e.kind}: ${e.message}`);
  return true;
};
const isGrpcError = (e: unknown) => e instanceof CapstanError;

async function stillHealthy(t: TestContext) {
  const v = await t.runtime.version({ version: 'v1' });
  assert.ok(v.runtimeName, 'the runtime stopped answering after bad input');
}

export const badInputTests: ConformanceTest[] = [
  {
    category: 'bad-input',
    name: 'RunPodSandbox without metadata is rejected',
    async run(t) {
      await assert.rejects(
        t.runtime.runPodSandbox({ config: { logDirectory: t.dir } }),
        isGrpcError,
      );
      await assert.rejects(t.runtime.runPodSandbox({}), isGrpcError);
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'CreateContainer without an image is rejected',
    async run(t) {
      const pod = await t.runPod();
      await assert.rejects(
        t.runtime.createContainer({
          podSandboxId: pod.id,
          config: { metadata: { name: 'noimage' } },
          sandboxConfig: pod.config,
        }),
        isGrpcError,
      );
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'unknown IDs give NOT_FOUND',
    async run(t) {
      const unknown = 'f'.repeat(64);
      await assert.rejects(t.runtime.containerStatus({ containerId: unknown }), isNotFound);
      await assert.rejects(t.runtime.podSandboxStatus({ podSandboxId: unknown }), isNotFound);
      await assert.rejects(t.runtime.startContainer({ containerId: unknown }), isNotFound);
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'a sandbox name already in use gives ALREADY_EXISTS',
    async run(t) {
      const pod = await t.runPod();
      await assert.rejects(
        t.runtime.runPodSandbox({ config: pod.config }),
        isKind('already-exists'),
      );
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'a container name already in use in the pod gives ALREADY_EXISTS',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('dup', { command: ['sleep', '3600'] });
      await t.createContainer(pod, cfg);
      await assert.rejects(
        t.runtime.createContainer({ podSandboxId: pod.id, config: cfg, sandboxConfig: pod.config }),
        isKind('already-exists'),
      );
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'an absurd memory limit is rejected without leaving a running container',
    async run(t) {
      const pod = await t.runPod();
      const cfg = t.containerConfig('tiny', {
        command: ['sleep', '3600'],
        linux: { resources: { memoryLimitInBytes: 4096n } },
      });
      let failed = false;
      try {
        await t.startContainer(pod, cfg);
      } catch (err) {
        failed = isGrpcError(err);
      }
      assert.ok(failed, 'a 4 KiB memory limit was accepted and the container started');
      await stillHealthy(t);
    },
  },
  {
    category: 'bad-input',
    name: 'ExecSync with an empty command is rejected',
    async run(t) {
      const pod = await t.runPod();
      const id = await t.startContainer(
        pod,
        t.containerConfig('exec', { command: ['sleep', '3600'] }),
      );
      await assert.rejects(
        t.runtime.execSync({ containerId: id, cmd: [], timeout: 5n }),
        isGrpcError,
      );
      await stillHealthy(t);
    },
  },
];
