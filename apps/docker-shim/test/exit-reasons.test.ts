import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ContainerConfig,
  ContainerState,
  type ContainerStatus,
  type CriClient,
  createCriClient,
  type DeepPartial,
  PodSandboxConfig,
} from '@capstan/cri-api';
import {
  type DockerShim,
  type NetworkedDockerd,
  startDockerd,
  startDockerShim,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

// The terminated reasons the kubelet shows come from the runtime's ContainerStatus:
// Completed, Error, OOMKilled (the kernel killed it at its memory limit) and
// ContainerCannotRun (Docker could not start it: the container is "created" with Docker's
// error and a non-zero exit code, which dockershim reported as exited).

const env = inject('testenv');
let dockerd: NetworkedDockerd;
let shim: DockerShim;
let cri: CriClient;
let podId = '';
let pod: PodSandboxConfig;

beforeAll(async () => {
  dockerd = await startDockerd({
    network: { podCidr: '10.245.0.0/24', registryHost: env.registryHost },
  });
  shim = await startDockerShim({ dockerd, podInfraImage: env.images.pause.ref });
  cri = createCriClient(shim.address, { deadlineMs: 60_000 });
  await cri.image.pullImage({ image: { image: env.images.busybox.ref } });
  pod = PodSandboxConfig.fromPartial({
    metadata: { name: 'exits', namespace: 'exit-reasons', uid: 'uid-exits', attempt: 0 },
    logDirectory: join(shim.dir, 'logs', 'exits'),
  });
  podId = (await cri.runtime.runPodSandbox({ config: pod })).podSandboxId;
});
afterAll(async () => {
  if (podId) {
    await cri.runtime.stopPodSandbox({ podSandboxId: podId }).catch(() => {});
    await cri.runtime.removePodSandbox({ podSandboxId: podId }).catch(() => {});
  }
  cri?.close();
  await shim?.stop();
  await dockerd?.stop();
});

async function run(name: string, over: DeepPartial<ContainerConfig>): Promise<string> {
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId: podId,
    config: ContainerConfig.fromPartial({
      metadata: { name },
      image: { image: env.images.busybox.ref },
      logPath: `${name}.log`,
      ...over,
    }),
    sandboxConfig: pod,
  });
  return containerId;
}

async function exited(containerId: string): Promise<ContainerStatus> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const { status } = await cri.runtime.containerStatus({ containerId });
    if (status?.state === ContainerState.CONTAINER_EXITED) return status;
    await sleep(200);
  }
  throw new Error(`${containerId} did not exit`);
}

it('exit 0 is Completed, exit 3 is Error with its code', async () => {
  const ok = await run('ok', { command: ['true'] });
  const bad = await run('bad', { command: ['sh', '-c', 'exit 3'] });
  await cri.runtime.startContainer({ containerId: ok });
  await cri.runtime.startContainer({ containerId: bad });
  const a = await exited(ok);
  const b = await exited(bad);
  expect([a.reason, a.exitCode]).toEqual(['Completed', 0]);
  expect([b.reason, b.exitCode]).toEqual(['Error', 3]);
  // Docker's own times (it may stamp a very short run's start after its finish).
  expect(b.startedAt).toBeGreaterThan(0n);
  expect(b.finishedAt).toBeGreaterThan(0n);
});

it('a container over its memory limit is OOMKilled with exit code 137', async () => {
  const id = await run('hog', {
    // tail keeps the whole "line" of /dev/zero in memory: it grows until the kernel kills it.
    command: ['tail', '/dev/zero'],
    linux: { resources: { memoryLimitInBytes: 16n * 1024n * 1024n } },
  });
  await cri.runtime.startContainer({ containerId: id });
  const s = await exited(id);
  expect([s.reason, s.exitCode]).toEqual(['OOMKilled', 137]);
});

it('a command that does not exist: StartContainer fails, then the status is ContainerCannotRun with Docker’s error', async () => {
  const id = await run('nocmd', { command: ['/no/such/binary'] });
  await expect(cri.runtime.startContainer({ containerId: id })).rejects.toThrow(
    /no such binary|no such file|not found/i,
  );
  const { status } = await cri.runtime.containerStatus({ containerId: id });
  expect(status?.state).toBe(ContainerState.CONTAINER_EXITED);
  expect(status?.reason).toBe('ContainerCannotRun');
  expect(status?.message).toMatch(/\/no\/such\/binary/);
  expect(status?.exitCode).not.toBe(0);
  // The kubelet needs times on an exited container: Docker has none, so created it is.
  expect(status?.finishedAt).toBeGreaterThan(0n);
  expect(status?.startedAt).toBe(status?.finishedAt);
  // Listed as exited too, and removable.
  const listed = await cri.runtime.listContainers({ filter: { id } });
  expect(listed.containers[0]?.state).toBe(ContainerState.CONTAINER_EXITED);
  await cri.runtime.removeContainer({ containerId: id });
  await expect(cri.runtime.containerStatus({ containerId: id })).rejects.toThrow(/not found/i);
});
