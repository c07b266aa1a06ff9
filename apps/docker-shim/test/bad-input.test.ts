import { join } from 'node:path';
import {
  CapstanError,
  ContainerConfig,
  type CriClient,
  createCriClient,
  type DeepPartial,
  type ErrorKind,
  NamespaceMode,
  PodSandboxConfig,
  SecurityProfile_ProfileType,
} from '@capstan/cri-api';
import {
  type DockerShim,
  isAlive,
  type NetworkedDockerd,
  startDockerd,
  startDockerShim,
  unixRequest,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Every RPC, given missing or invalid fields, answers a gRPC error with the right status
// and changes nothing; the shim keeps answering and leaves no Docker container behind.

const env = inject('testenv');
let dockerd: NetworkedDockerd;
let shim: DockerShim;
let cri: CriClient;
let podId = '';
let pod: PodSandboxConfig;
let containerId = '';
const UNKNOWN = 'f'.repeat(64);

beforeAll(async () => {
  dockerd = await startDockerd({
    network: { podCidr: '10.247.0.0/24', registryHost: env.registryHost },
  });
  shim = await startDockerShim({ dockerd, podInfraImage: env.images.pause.ref });
  cri = createCriClient(shim.address, { deadlineMs: 60_000 });
  await cri.image.pullImage({ image: { image: env.images.busybox.ref } });
  pod = podConfig('ok');
  podId = (await cri.runtime.runPodSandbox({ config: pod })).podSandboxId;
  containerId = (
    await cri.runtime.createContainer({
      podSandboxId: podId,
      config: ctr('ok'),
      sandboxConfig: pod,
    })
  ).containerId;
  await cri.runtime.startContainer({ containerId });
});
afterAll(async () => {
  cri?.close();
  await shim?.stop();
  await dockerd?.stop();
});

function podConfig(name: string, over: DeepPartial<PodSandboxConfig> = {}): PodSandboxConfig {
  return PodSandboxConfig.fromPartial({
    metadata: { name: `bad-${name}`, namespace: 'bad-input', uid: `uid-${name}`, attempt: 0 },
    logDirectory: join(shim.dir, 'logs', name),
    ...over,
  });
}
function ctr(name: string, over: DeepPartial<ContainerConfig> = {}): ContainerConfig {
  return ContainerConfig.fromPartial({
    metadata: { name },
    image: { image: env.images.busybox.ref },
    command: ['sleep', '3600'],
    ...over,
  });
}

/** The call fails with a typed CRI error of `kind`; the shim still answers Version. */
async function rejects(call: () => Promise<unknown>, kind: ErrorKind) {
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  expect(err, 'the call succeeded').toBeInstanceOf(CapstanError);
  expect((err as CapstanError).kind, (err as Error).message).toBe(kind);
  expect((await cri.runtime.version({ version: 'v1' })).runtimeName).toBe('docker');
}

const INVALID = 'invalid-argument';
const create = (config: ContainerConfig) => () =>
  cri.runtime.createContainer({ podSandboxId: podId, config, sandboxConfig: pod });

describe('RuntimeService', () => {
  it('RunPodSandbox: no config, no metadata, bad sysctls, hostname, seccomp, cgroup parent', async () => {
    await rejects(() => cri.runtime.runPodSandbox({}), INVALID);
    await rejects(() => cri.runtime.runPodSandbox({ config: { hostname: 'x' } }), INVALID);
    await rejects(
      () =>
        cri.runtime.runPodSandbox({
          config: podConfig('s1', { linux: { sysctls: { 'kernel.panic': '1' } } }),
        }),
      INVALID,
    );
    await rejects(
      () =>
        cri.runtime.runPodSandbox({
          config: podConfig('s2', {
            linux: {
              sysctls: { 'kernel.shm_rmid_forced': '1' },
              securityContext: { namespaceOptions: { ipc: NamespaceMode.NODE } },
            },
          }),
        }),
      INVALID,
    );
    await rejects(
      () => cri.runtime.runPodSandbox({ config: podConfig('h', { hostname: 'not a hostname!' }) }),
      INVALID,
    );
    await rejects(
      () =>
        cri.runtime.runPodSandbox({
          config: podConfig('sc', {
            linux: {
              securityContext: {
                seccomp: {
                  profileType: SecurityProfile_ProfileType.Localhost,
                  localhostRef: 'relative.json',
                },
              },
            },
          }),
        }),
      INVALID,
    );
    await rejects(
      () =>
        cri.runtime.runPodSandbox({
          config: podConfig('cg', { linux: { cgroupParent: '/a/../../b' } }),
        }),
      INVALID,
    );
  });

  it('sandbox RPCs with an empty or unknown ID', async () => {
    await rejects(() => cri.runtime.stopPodSandbox({}), INVALID);
    await rejects(() => cri.runtime.removePodSandbox({}), INVALID);
    await rejects(() => cri.runtime.podSandboxStatus({}), INVALID);
    await rejects(() => cri.runtime.podSandboxStatus({ podSandboxId: UNKNOWN }), 'not-found');
    await rejects(() => cri.runtime.podSandboxStats({}), INVALID);
    await rejects(() => cri.runtime.podSandboxStats({ podSandboxId: UNKNOWN }), 'not-found');
  });

  it('CreateContainer: no sandbox, no metadata, no image, absent image, bad paths, caps, resources', async () => {
    await rejects(() => cri.runtime.createContainer({}), INVALID);
    await rejects(
      () => cri.runtime.createContainer({ podSandboxId: UNKNOWN, config: ctr('x') }),
      'not-found',
    );
    await rejects(() => cri.runtime.createContainer({ podSandboxId: podId }), INVALID);
    await rejects(create(ctr('', {})), INVALID);
    await rejects(create(ctr('noimage', { image: { image: '' } })), INVALID);
    await rejects(
      create(ctr('absent', { image: { image: `${env.registryHost}/capstan/absent:1` } })),
      'not-found',
    );
    await rejects(create(ctr('badref', { image: { image: 'Not/A:Reference!' } })), INVALID);
    await rejects(create(ctr('log', { logPath: '../../escape.log' })), INVALID);
    await rejects(
      create(ctr('mnt', { mounts: [{ hostPath: 'relative', containerPath: '/x' }] })),
      INVALID,
    );
    await rejects(
      create(
        ctr('dev', {
          devices: [{ hostPath: '/dev/null', containerPath: '/dev/x', permissions: 'rwz' }],
        }),
      ),
      INVALID,
    );
    await rejects(create(ctr('wd', { workingDir: 'relative' })), INVALID);
    await rejects(create(ctr('env', { envs: [{ key: 'A=B', value: 'c' }] })), INVALID);
    await rejects(
      create(
        ctr('cap', {
          linux: { securityContext: { capabilities: { addCapabilities: ['NOT_A_CAP'] } } },
        }),
      ),
      INVALID,
    );
    await rejects(
      create(ctr('mask', { linux: { securityContext: { maskedPaths: ['proc/kcore'] } } })),
      INVALID,
    );
    await rejects(create(ctr('quota', { linux: { resources: { cpuQuota: 10n } } })), INVALID);
    await rejects(create(ctr('cpuset', { linux: { resources: { cpusetCpus: 'zero' } } })), INVALID);
    await rejects(
      create(ctr('mem', { linux: { resources: { memoryLimitInBytes: 4096n } } })),
      INVALID,
    );
    await rejects(
      create(ctr('user', { linux: { securityContext: { runAsGroup: { value: 5n } } } })),
      INVALID,
    );
  });

  it('container RPCs with an empty or unknown ID, or bad fields', async () => {
    await rejects(() => cri.runtime.startContainer({}), INVALID);
    await rejects(() => cri.runtime.startContainer({ containerId: UNKNOWN }), 'not-found');
    await rejects(() => cri.runtime.startContainer({ containerId }), 'failed-precondition');
    await rejects(() => cri.runtime.stopContainer({}), INVALID);
    await rejects(() => cri.runtime.removeContainer({}), INVALID);
    await rejects(() => cri.runtime.containerStatus({}), INVALID);
    await rejects(() => cri.runtime.containerStatus({ containerId: UNKNOWN }), 'not-found');
    await rejects(() => cri.runtime.updateContainerResources({}), INVALID);
    await rejects(
      () => cri.runtime.updateContainerResources({ containerId, linux: { cpusetCpus: 'zero' } }),
      INVALID,
    );
    await rejects(() => cri.runtime.reopenContainerLog({}), INVALID);
    await rejects(() => cri.runtime.execSync({}), INVALID);
    await rejects(() => cri.runtime.execSync({ cmd: ['true'] }), INVALID);
    await rejects(
      () => cri.runtime.execSync({ containerId, cmd: ['true'], timeout: -1n }),
      INVALID,
    );
    await rejects(() => cri.runtime.containerStats({}), INVALID);
    await rejects(() => cri.runtime.containerStats({ containerId: UNKNOWN }), 'not-found');
  });

  it('Exec, Attach, PortForward without IDs, for unknown objects, without streams, with bad ports', async () => {
    const out = { stdout: true };
    await rejects(() => cri.runtime.exec({ cmd: ['true'], ...out }), INVALID);
    await rejects(
      () => cri.runtime.exec({ containerId: UNKNOWN, cmd: ['true'], ...out }),
      'not-found',
    );
    await rejects(() => cri.runtime.exec({ containerId, cmd: ['sh'] }), INVALID);
    await rejects(() => cri.runtime.exec({ containerId, cmd: [], ...out }), INVALID);
    await rejects(
      () => cri.runtime.exec({ containerId, cmd: ['sh'], tty: true, ...out, stderr: true }),
      INVALID,
    );
    await rejects(() => cri.runtime.attach({}), INVALID);
    await rejects(() => cri.runtime.attach({ containerId: UNKNOWN, ...out }), 'not-found');
    await rejects(() => cri.runtime.attach({ containerId }), INVALID);
    await rejects(() => cri.runtime.portForward({ port: [80] }), INVALID);
    await rejects(
      () => cri.runtime.portForward({ podSandboxId: UNKNOWN, port: [80] }),
      'not-found',
    );
    await rejects(() => cri.runtime.portForward({ podSandboxId: podId, port: [0] }), INVALID);
  });

  it('RPCs this runtime does not serve answer UNIMPLEMENTED', async () => {
    await rejects(() => cri.runtime.checkpointContainer({ containerId }), 'unimplemented');
  });
});

describe('ImageService', () => {
  it('PullImage, ImageStatus, RemoveImage without or with a malformed reference; an absent repository', async () => {
    await rejects(() => cri.image.pullImage({}), INVALID);
    await rejects(() => cri.image.pullImage({ image: { image: 'UPPER/case:1' } }), INVALID);
    await rejects(
      () => cri.image.pullImage({ image: { image: `${env.registryHost}/capstan/absent:1` } }),
      'not-found',
    );
    await rejects(
      () =>
        cri.image.pullImage({
          image: { image: env.images.busybox.ref },
          auth: { auth: 'bm90LWEtcGFpcg==' },
        }),
      INVALID,
    );
    await rejects(() => cri.image.imageStatus({}), INVALID);
    await rejects(() => cri.image.imageStatus({ image: { image: ':::' } }), INVALID);
    await rejects(() => cri.image.removeImage({}), INVALID);
  });
});

it('after all of it the shim still serves, and Docker holds only the one good pod', async () => {
  expect(isAlive(shim.pid)).toBe(true);
  const { items } = await cri.runtime.listPodSandbox({});
  expect(items.map((p) => p.id)).toEqual([podId]);
  const filters = encodeURIComponent(
    JSON.stringify({ label: ['io.capstan.cri.managed-by=capstan-docker-shim'] }),
  );
  const res = await unixRequest(dockerd.socket, {
    path: `/containers/json?all=1&filters=${filters}`,
  });
  expect((JSON.parse(res.body.toString()) as unknown[]).length).toBe(2);
});

it('SIGTERM drains and exits 0', async () => {
  await cri.runtime.removePodSandbox({ podSandboxId: podId });
  expect(await shim.stop()).toEqual({ code: 0, signal: null });
});
