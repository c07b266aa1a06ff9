import { ContainerState as CriState } from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { type ContainerView, podStatus } from './pod-status.js';
import type { Pod } from './pod-types.js';

const pod = (init = false, restartPolicy: 'Always' | 'Never' = 'Always'): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: {
    restartPolicy,
    containers: [
      { name: 'a', image: 'i' },
      { name: 'b', image: 'i' },
    ],
    ...(init ? { initContainers: [{ name: 'setup', image: 'i' }] } : {}),
  },
});
const view = (
  name: string,
  state?: CriState,
  exitCode = 0,
  reason = '',
  ready = false,
): ContainerView => ({
  spec: { name, image: 'i' },
  instances:
    state === undefined
      ? []
      : [
          {
            container: { id: `id-${name}`, annotations: {}, labels: {} } as never,
            status: {
              id: `id-${name}`,
              state,
              exitCode,
              reason,
              message: '',
              startedAt: 1_000_000_000n,
              finishedAt: 2_000_000_000n,
            } as never,
          },
        ],
  ready,
  started: ready,
});
const extra = (initDone = true) => ({ runtime: 'containerd', sandboxReady: true, initDone });
const cond = (s: ReturnType<typeof podStatus>, type: string) =>
  s.conditions?.find((c) => c.type === type);

describe('podStatus reasons', () => {
  it('shows ContainerCreating for a container not created yet, PodInitializing in a pod with init containers', () => {
    const plain = podStatus(pod(), [], [view('a'), view('b')], extra());
    expect(plain.containerStatuses?.[0]?.state.waiting?.reason).toBe('ContainerCreating');
    const withInit = podStatus(
      pod(true),
      [view('setup', CriState.CONTAINER_RUNNING)],
      [view('a'), view('b')],
      extra(false),
    );
    expect(withInit.containerStatuses?.map((c) => c.state.waiting?.reason)).toEqual([
      'PodInitializing',
      'PodInitializing',
    ]);
    expect(cond(withInit, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [setup]',
    });
  });

  it('names the unready containers in Ready and ContainersReady as the kubelet does', () => {
    const s = podStatus(
      pod(),
      [],
      [view('a', CriState.CONTAINER_RUNNING, 0, '', true), view('b')],
      extra(),
    );
    for (const t of ['Ready', 'ContainersReady'])
      expect(cond(s, t)).toMatchObject({
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [b]',
      });
    const none = podStatus(pod(), [], [view('a'), view('b')], extra());
    expect(cond(none, 'Ready')?.message).toBe('containers with unready status: [a b]');
    const all = podStatus(
      pod(),
      [],
      [
        view('a', CriState.CONTAINER_RUNNING, 0, '', true),
        view('b', CriState.CONTAINER_RUNNING, 0, '', true),
      ],
      extra(),
    );
    expect(cond(all, 'Ready')).toMatchObject({ status: 'True' });
    expect(cond(all, 'Ready')?.reason).toBeUndefined();
    expect(cond(all, 'PodScheduled')?.status).toBe('True');
    expect(cond(all, 'PodReadyToStartContainers')?.status).toBe('True');
  });

  it('terminated reasons: Completed, Error, and the runtime reason (OOMKilled) with exit codes', () => {
    const s = podStatus(
      pod(false, 'Never'),
      [],
      [
        view('a', CriState.CONTAINER_EXITED, 0),
        view('b', CriState.CONTAINER_EXITED, 137, 'OOMKilled'),
      ],
      extra(),
    );
    expect(s.containerStatuses?.[0]?.state.terminated).toMatchObject({
      reason: 'Completed',
      exitCode: 0,
    });
    expect(s.containerStatuses?.[1]?.state.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
    const e = podStatus(
      pod(false, 'Never'),
      [],
      [view('a', CriState.CONTAINER_EXITED, 1), view('b', CriState.CONTAINER_EXITED, 0)],
      extra(),
    );
    expect(e.containerStatuses?.[0]?.state.terminated?.reason).toBe('Error');
    expect(e.phase).toBe('Failed');
    expect(cond(e, 'Ready')?.reason).toBe('PodFailed');
  });

  it('a Succeeded pod is PodCompleted: Initialized True, Ready and ContainersReady False', () => {
    const s = podStatus(
      pod(false, 'Never'),
      [],
      [view('a', CriState.CONTAINER_EXITED, 0), view('b', CriState.CONTAINER_EXITED, 0)],
      extra(),
    );
    expect(s.phase).toBe('Succeeded');
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('keeps a waiting reason the sync set (CrashLoopBackOff) with its message and the last state', () => {
    const v = view('a', CriState.CONTAINER_EXITED, 1);
    v.waiting = {
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=a pod=p_ns(u)',
    };
    const s = podStatus(
      pod(),
      [],
      [v, view('b', CriState.CONTAINER_RUNNING, 0, '', true)],
      extra(),
    );
    expect(s.containerStatuses?.[0]?.state.waiting).toEqual(v.waiting);
    expect(s.containerStatuses?.[0]?.lastState.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
  });
});
