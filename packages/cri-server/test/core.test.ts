import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockTimeoutError } from '@capstan/checkpoint';
import {
  ContainerEventType,
  ContainerState,
  type CriClient,
  type CriServer,
  connectCriClient,
  isNotFound,
  PodSandboxState,
} from '@capstan/cri-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntimeService, type RuntimeService, serveRuntime } from '../src/index.js';
import { MemoryBackend } from './memory-backend.js';

let dir: string;
let backend: MemoryBackend;
let service: RuntimeService;
let server: CriServer;
let cri: CriClient;

async function start() {
  service = await createRuntimeService({ backend, stateDir: join(dir, 'state') });
  await service.recover();
  server = await serveRuntime(service, join(dir, 'cri.sock'));
  cri = await connectCriClient(join(dir, 'cri.sock'));
}
async function restart() {
  cri.close();
  await server.close(100);
  await start();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cri-server-'));
  backend = new MemoryBackend();
  await start();
});
afterEach(async () => {
  cri.close();
  await server.close(100);
  rmSync(dir, { recursive: true, force: true });
});

const podConfig = (name = 'web', extra: object = {}) => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
  logDirectory: join(dir, 'logs', name),
  labels: { app: name },
  ...extra,
});
const ctrConfig = (name = 'main', extra: object = {}) => ({
  metadata: { name, attempt: 0 },
  image: { image: 'busybox:1' },
  logPath: `${name}/0.log`,
  ...extra,
});
const codeOf = async (p: Promise<unknown>) =>
  (
    await p.then(
      () => undefined,
      (e) => e,
    )
  )?.kind;

describe('sandboxes', () => {
  it('run, status, list, stop, remove; stop and remove are idempotent, even after remove', async () => {
    const { podSandboxId: id } = await cri.runtime.runPodSandbox({ config: podConfig() });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await cri.runtime.podSandboxStatus({ podSandboxId: id })).status?.state).toBe(
      PodSandboxState.SANDBOX_READY,
    );
    expect(
      (await cri.runtime.listPodSandbox({ filter: { labelSelector: { app: 'web' } } })).items.map(
        (p) => p.id,
      ),
    ).toEqual([id]);
    await cri.runtime.stopPodSandbox({ podSandboxId: id });
    await cri.runtime.stopPodSandbox({ podSandboxId: id });
    expect(
      (await cri.runtime.podSandboxStatus({ podSandboxId: id.slice(0, 12) })).status?.state,
    ).toBe(PodSandboxState.SANDBOX_NOTREADY);
    await cri.runtime.removePodSandbox({ podSandboxId: id });
    await cri.runtime.removePodSandbox({ podSandboxId: id });
    await cri.runtime.stopPodSandbox({ podSandboxId: id });
    expect(await codeOf(cri.runtime.podSandboxStatus({ podSandboxId: id }))).toBe('not-found');
  });

  it('a name in use gives ALREADY_EXISTS; it is free again after remove', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    expect(await codeOf(cri.runtime.runPodSandbox({ config: podConfig() }))).toBe('already-exists');
    await cri.runtime.removePodSandbox({ podSandboxId });
    await cri.runtime.runPodSandbox({ config: podConfig() });
  });

  it('rejects missing metadata with INVALID_ARGUMENT and changes nothing', async () => {
    expect(await codeOf(cri.runtime.runPodSandbox({ config: { logDirectory: '/tmp' } }))).toBe(
      'invalid-argument',
    );
    expect(backend.calls).toEqual([]);
  });

  it('a failed backend run leaves no record and frees the name', async () => {
    backend.failRunSandbox = true;
    expect(await codeOf(cri.runtime.runPodSandbox({ config: podConfig() }))).toBe('internal');
    expect((await cri.runtime.listPodSandbox({})).items).toEqual([]);
    backend.failRunSandbox = false;
    await cri.runtime.runPodSandbox({ config: podConfig() });
  });

  it('removing a running sandbox stops its containers, then removes them, then the sandbox', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    await cri.runtime.startContainer({ containerId });
    backend.calls.length = 0;
    await cri.runtime.removePodSandbox({ podSandboxId });
    const s = podSandboxId.slice(0, 4);
    const c = containerId.slice(0, 4);
    expect(backend.calls).toEqual([
      `stopContainer ${c}`,
      `stopSandbox ${s}`,
      `removeContainer ${c}`,
      `removeSandbox ${s}`,
    ]);
    await expect(cri.runtime.containerStatus({ containerId })).rejects.toSatisfy(isNotFound);
  });
});

describe('containers', () => {
  it('follow created -> running -> exited, with typed errors for wrong states', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    const st = (await cri.runtime.containerStatus({ containerId })).status!;
    expect(st.state).toBe(ContainerState.CONTAINER_CREATED);
    expect(st.logPath).toBe(join(dir, 'logs', 'web', 'main/0.log'));
    expect(st.imageRef).toBe('sha256:aaa');
    expect(await codeOf(cri.runtime.execSync({ containerId, cmd: ['true'] }))).toBe(
      'failed-precondition',
    );
    await cri.runtime.startContainer({ containerId });
    expect(await codeOf(cri.runtime.startContainer({ containerId }))).toBe('failed-precondition');
    expect(await codeOf(cri.runtime.execSync({ containerId, cmd: [] }))).toBe('invalid-argument');
    expect(
      Buffer.from(
        (await cri.runtime.execSync({ containerId, cmd: ['echo', 'hi'] })).stdout,
      ).toString(),
    ).toBe('echo hi');
    await cri.runtime.stopContainer({ containerId, timeout: 1n });
    const done = (await cri.runtime.containerStatus({ containerId })).status!;
    expect(done.state).toBe(ContainerState.CONTAINER_EXITED);
    expect(done.exitCode).toBe(137);
    await cri.runtime.stopContainer({ containerId, timeout: 1n });
    await cri.runtime.removeContainer({ containerId });
    await cri.runtime.removeContainer({ containerId });
  });

  it('refuses a log path that leaves the log directory, an absent image, a duplicate name', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const create = (cfg: object) =>
      cri.runtime.createContainer({ podSandboxId, config: cfg, sandboxConfig: podConfig() });
    expect(await codeOf(create(ctrConfig('a', { logPath: '../../etc/x.log' })))).toBe(
      'invalid-argument',
    );
    expect(await codeOf(create(ctrConfig('b', { logPath: '/etc/x.log' })))).toBe(
      'invalid-argument',
    );
    expect(await codeOf(create(ctrConfig('c', { image: { image: 'absent:1' } })))).toBe(
      'not-found',
    );
    expect(await codeOf(create(ctrConfig('d', { image: { image: '' } })))).toBe('invalid-argument');
    await create(ctrConfig('e'));
    expect(await codeOf(create(ctrConfig('e')))).toBe('already-exists');
    expect((await cri.runtime.listContainers({})).containers).toHaveLength(1);
  });

  it('cannot start in a stopped sandbox', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    await cri.runtime.stopPodSandbox({ podSandboxId });
    expect(await codeOf(cri.runtime.startContainer({ containerId }))).toBe('failed-precondition');
  });

  it('UpdateContainerResources holds the container lock: a remove racing it stays removed', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    backend.updateDelayMs = 200;
    const update = cri.runtime.updateContainerResources({
      containerId,
      linux: { cpuShares: 512n },
    });
    await new Promise((r) => setTimeout(r, 50));
    await cri.runtime.removeContainer({ containerId });
    await update;
    const left = await cri.runtime.listContainers({});
    expect(left.containers.map((c) => c.id)).not.toContain(containerId);
    await restart();
    expect((await cri.runtime.listContainers({})).containers).toEqual([]);
    expect(backend.calls.filter((c) => /^(update|remove)Container/.test(c))).toEqual([
      `updateContainerResources ${containerId.slice(0, 4)}`,
      `removeContainer ${containerId.slice(0, 4)}`,
    ]);
  });

  it('streams lifecycle events', async () => {
    const events: number[] = [];
    const ac = new AbortController();
    const done = (async () => {
      try {
        for await (const e of cri.runtime.getContainerEvents({}, { signal: ac.signal })) {
          events.push(e.containerEventType);
          if (events.length === 4) ac.abort();
        }
      } catch {}
    })();
    await new Promise((r) => setTimeout(r, 100));
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    await cri.runtime.startContainer({ containerId });
    await cri.runtime.stopContainer({ containerId, timeout: 0n });
    await cri.runtime.removeContainer({ containerId });
    await done;
    expect(events).toEqual([
      ContainerEventType.CONTAINER_CREATED_EVENT,
      ContainerEventType.CONTAINER_STARTED_EVENT,
      ContainerEventType.CONTAINER_STOPPED_EVENT,
      ContainerEventType.CONTAINER_DELETED_EVENT,
    ]);
  });
});

describe('durable state', () => {
  it('a restarted server finds every sandbox and container, names still reserved', async () => {
    const { podSandboxId } = await cri.runtime.runPodSandbox({ config: podConfig() });
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId,
      config: ctrConfig(),
      sandboxConfig: podConfig(),
    });
    await cri.runtime.startContainer({ containerId });
    await restart();
    expect((await cri.runtime.listPodSandbox({})).items.map((p) => p.id)).toEqual([podSandboxId]);
    const c = (await cri.runtime.containerStatus({ containerId })).status!;
    expect(c.state).toBe(ContainerState.CONTAINER_RUNNING);
    expect(c.createdAt).toBeGreaterThan(0n);
    expect(await codeOf(cri.runtime.runPodSandbox({ config: podConfig() }))).toBe('already-exists');
  });

  it('a second service on the same state directory fails with the holder named, and gets it once the first closed', async () => {
    const err = await createRuntimeService({
      backend,
      stateDir: join(dir, 'state'),
      stateLockTimeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).holderPid).toBe(process.pid);
    const a = (await cri.runtime.runPodSandbox({ config: podConfig('a') })).podSandboxId;
    cri.close();
    await server.close(100);
    const second = await createRuntimeService({
      backend,
      stateDir: join(dir, 'state'),
      stateLockTimeoutMs: 100,
    });
    await second.recover();
    expect(second.counts().sandboxes).toBe(1);
    await second.close();
    await start();
    expect((await cri.runtime.podSandboxStatus({ podSandboxId: a })).status?.id).toBe(a);
  });

  it('recovery drops records the runtime lost and removes runtime objects no record knows', async () => {
    const a = (await cri.runtime.runPodSandbox({ config: podConfig('a') })).podSandboxId;
    const b = (await cri.runtime.runPodSandbox({ config: podConfig('b') })).podSandboxId;
    backend.sandboxes.delete(b); // lost while the server was down
    backend.sandboxes.add('f'.repeat(64)); // made, but the server crashed before recording it
    await restart();
    expect((await cri.runtime.listPodSandbox({})).items.map((p) => p.id)).toEqual([a]);
    expect(backend.sandboxes.has('f'.repeat(64))).toBe(false);
    // b's name is free again
    await cri.runtime.runPodSandbox({ config: podConfig('b') });
  });
});

describe('images', () => {
  it('concurrent pulls of one image collapse into one', async () => {
    const refs = await Promise.all(
      Array.from({ length: 5 }, () => cri.image.pullImage({ image: { image: 'alpine:3' } })),
    );
    expect(new Set(refs.map((r) => r.imageRef)).size).toBe(1);
    expect(backend.pulls).toBe(1);
  });

  it('ImageStatus of an absent image has no image; ListImages filters', async () => {
    expect((await cri.image.imageStatus({ image: { image: 'nope:1' } })).image).toBeUndefined();
    await cri.image.pullImage({ image: { image: 'alpine:3' } });
    expect((await cri.image.listImages({})).images).toHaveLength(2);
    expect(
      (await cri.image.listImages({ filter: { image: { image: 'alpine:3' } } })).images,
    ).toHaveLength(1);
  });
});

describe('observability', () => {
  it('records a latency histogram per method and code', async () => {
    await cri.runtime.version({});
    await cri.runtime.podSandboxStatus({ podSandboxId: 'nope' }).catch(() => {});
    const text = await service.registry.metrics();
    expect(text).toMatch(
      /capstan_cri_request_duration_seconds_count\{method="Version",code="OK"\} 1/,
    );
    expect(text).toMatch(
      /capstan_cri_request_duration_seconds_count\{method="PodSandboxStatus",code="NOT_FOUND"\} 1/,
    );
  });

  it('Status reports NetworkReady false without a pod network', async () => {
    const s = (await cri.runtime.status({})).status!;
    expect(s.conditions.find((c) => c.type === 'RuntimeReady')?.status).toBe(true);
    const net = s.conditions.find((c) => c.type === 'NetworkReady');
    expect(net?.status).toBe(false);
    expect(net?.reason).toBe('NetworkPluginNotReady');
  });
});
