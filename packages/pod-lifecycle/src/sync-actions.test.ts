import {
  Container as CriContainer,
  ContainerState as CriState,
  ContainerStatus as CriStatus,
  PodSandbox,
  PodSandboxState,
} from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { containerHash } from './cri-config.js';
import { ANN_CONTAINER_HASH, LABEL_CONTAINER_NAME } from './pod-naming.js';
import type { PodEntry } from './pod-registry.js';
import type { Container, Pod } from './pod-types.js';
import type { RuntimePod } from './runtime-pod.js';
import { computePodActions, shouldRestart } from './sync-actions.js';

// Pure logic: the pod's entry and a snapshot of what the runtime holds, no runtime at all.

const app: Container = { name: 'app', image: 'busybox' };
const sidecar: Container = { name: 'side', image: 'busybox' };
const init: Container = { name: 'init', image: 'busybox' };

const pod = (spec: Partial<Pod['spec']> = {}, phase?: 'Running' | 'Succeeded'): PodEntry => ({
  source: 'api',
  pod: {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { containers: [app], ...spec },
    ...(phase ? { status: { phase } } : {}),
  },
});

const sandbox = (id: string, ready = true, createdAt = 1n) =>
  PodSandbox.fromPartial({
    id,
    createdAt,
    state: ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY,
  });

interface Instance {
  id: string;
  spec: Container;
  sandbox?: string;
  state: CriState;
  exitCode?: number;
  hash?: string;
}

const runtime = (sandboxes: PodSandbox[], instances: Instance[] = []): RuntimePod => ({
  sandboxes,
  containers: instances.map((i) =>
    CriContainer.fromPartial({
      id: i.id,
      podSandboxId: i.sandbox ?? 's1',
      state: i.state,
      labels: { [LABEL_CONTAINER_NAME]: i.spec.name },
      annotations: { [ANN_CONTAINER_HASH]: i.hash ?? containerHash(i.spec) },
    }),
  ),
  statuses: new Map(
    instances.map((i) => [
      i.id,
      CriStatus.fromPartial({ id: i.id, state: i.state, exitCode: i.exitCode ?? 0 }),
    ]),
  ),
});

const running = (id: string, spec = app, extra: Partial<Instance> = {}): Instance => ({
  id,
  spec,
  state: CriState.CONTAINER_RUNNING,
  ...extra,
});
const exited = (id: string, spec: Container, exitCode: number): Instance => ({
  id,
  spec,
  state: CriState.CONTAINER_EXITED,
  exitCode,
});

describe('computePodActions', () => {
  it('kills what the runtime holds of a pod nobody wants, deletes, evicts', () => {
    expect(computePodActions(undefined, runtime([sandbox('s1')])).kind).toBe('kill-orphan');
    const deleting = { ...pod(), deleting: { gracePeriodSeconds: 30, since: 0 } };
    expect(computePodActions(deleting, runtime([sandbox('s1')])).kind).toBe('delete');
    const evicted = { ...pod(), evicted: { message: 'memory', gracePeriodSeconds: 0 } };
    expect(computePodActions(evicted, runtime([sandbox('s1')])).kind).toBe('evict');
  });

  it('leaves a finished pod without a sandbox alone', () => {
    expect(computePodActions(pod({}, 'Succeeded'), runtime([])).kind).toBe('keep-terminal');
  });

  it('creates the first sandbox with attempt 0 and starts every app container in it', () => {
    const a = computePodActions(pod({ containers: [app, sidecar] }), runtime([]));
    expect(a).toMatchObject({
      kind: 'sync',
      createSandbox: { attempt: 0 },
      sandboxId: undefined,
      initDone: true,
      containersToStart: ['app', 'side'],
      containersToKill: [],
    });
  });

  it('replaces a dead sandbox: next attempt, and containers of the old one do not count', () => {
    const rt = runtime([sandbox('s2', false, 2n), sandbox('s1', false, 1n)], [running('c1')]);
    const a = computePodActions(pod(), rt);
    expect(a).toMatchObject({ createSandbox: { attempt: 2 }, containersToStart: ['app'] });
  });

  it('keeps a ready sandbox and running containers (their probes run)', () => {
    const a = computePodActions(pod(), runtime([sandbox('s1')], [running('c1')]));
    expect(a).toMatchObject({
      createSandbox: undefined,
      sandboxId: 's1',
      containersRunning: [{ name: 'app', containerId: 'c1' }],
      containersToStart: [],
      containersToKill: [],
    });
  });

  it('starts init containers one at a time, in order, before any app container', () => {
    const spec = { initContainers: [init, { ...init, name: 'init2' }] };
    expect(computePodActions(pod(spec), runtime([sandbox('s1')]))).toMatchObject({
      initToStart: 'init',
      initDone: false,
      containersToStart: [],
    });
    const first = exited('i1', init, 0);
    expect(computePodActions(pod(spec), runtime([sandbox('s1')], [first]))).toMatchObject({
      initToStart: 'init2',
      initDone: false,
    });
    const both = [first, exited('i2', { ...init, name: 'init2' }, 0)];
    expect(computePodActions(pod(spec), runtime([sandbox('s1')], both))).toMatchObject({
      initToStart: undefined,
      initDone: true,
      containersToStart: ['app'],
    });
  });

  it('waits for a running init container', () => {
    const a = computePodActions(
      pod({ initContainers: [init] }),
      runtime([sandbox('s1')], [running('i1', init)]),
    );
    expect(a).toMatchObject({ initToStart: undefined, initDone: false, containersToStart: [] });
  });

  it('restarts a failed init container, unless restartPolicy is Never (the pod fails)', () => {
    const rt = runtime([sandbox('s1')], [exited('i1', init, 1)]);
    const again = computePodActions(pod({ initContainers: [init] }), rt);
    expect(again).toMatchObject({ initToStart: 'init', initDone: false });
    expect('failedReason' in again).toBe(false);
    const never = pod({ initContainers: [init], restartPolicy: 'Never' });
    expect(computePodActions(never, rt)).toMatchObject({
      initToStart: undefined,
      initDone: false,
      failedReason: 'InitContainerFailed',
    });
  });

  it('restarts exited app containers as the restart policy says', () => {
    const rt = (code: number) => runtime([sandbox('s1')], [exited('c1', app, code)]);
    const starts = (policy: 'Always' | 'OnFailure' | 'Never', code: number) => {
      const a = computePodActions(pod({ restartPolicy: policy }), rt(code));
      return a.kind === 'sync' ? a.containersToStart : undefined;
    };
    expect(starts('Always', 0)).toEqual(['app']);
    expect(starts('OnFailure', 0)).toEqual([]);
    expect(starts('OnFailure', 2)).toEqual(['app']);
    expect(starts('Never', 2)).toEqual([]);
    expect(computePodActions(pod({ restartPolicy: 'Never' }), rt(2))).toMatchObject({
      containersExited: ['app'],
    });
  });

  it('kills a running container whose spec changed or whose probe asked for a restart', () => {
    const changed = runtime([sandbox('s1')], [running('c1', app, { hash: 'old' })]);
    expect(computePodActions(pod(), changed)).toMatchObject({
      containersToKill: [{ name: 'app', containerId: 'c1', reason: 'spec changed' }],
      containersRunning: [],
    });
    const probed = runtime([sandbox('s1')], [running('c1')]);
    const requests = new Map([['u1/app', 'liveness probe failed']]);
    expect(computePodActions(pod(), probed, requests)).toMatchObject({
      containersToKill: [{ name: 'app', reason: 'liveness probe failed' }],
    });
  });

  it('starts a created container, and starts no missing container of a finished pod', () => {
    const created: Instance = { id: 'c1', spec: app, state: CriState.CONTAINER_CREATED };
    expect(computePodActions(pod(), runtime([sandbox('s1')], [created]))).toMatchObject({
      containersToResume: [{ name: 'app', containerId: 'c1' }],
      containersToStart: [],
    });
    const done = pod({ containers: [app, sidecar] }, 'Succeeded');
    const rt = runtime([sandbox('s1')], [exited('c1', app, 0)]);
    expect(computePodActions(done, rt)).toMatchObject({ containersToStart: ['app'] });
    const onFailure = {
      ...done,
      pod: { ...done.pod, spec: { ...done.pod.spec, restartPolicy: 'OnFailure' as const } },
    };
    expect(computePodActions(onFailure, rt)).toMatchObject({ containersToStart: [] });
  });
});

describe('shouldRestart', () => {
  it('follows the restart policy (Always by default)', () => {
    const p = (restartPolicy?: 'Always' | 'OnFailure' | 'Never') =>
      pod(restartPolicy ? { restartPolicy } : {}).pod;
    expect(shouldRestart(p(), 0)).toBe(true);
    expect(shouldRestart(p('OnFailure'), 0)).toBe(false);
    expect(shouldRestart(p('OnFailure'), 137)).toBe(true);
    expect(shouldRestart(p('Never'), 137)).toBe(false);
  });
});
