import {
  ContainerStatus,
  ListPodSandboxResponse,
  PodSandboxState,
  PodSandboxStatus,
} from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { messageJson } from './message-json.js';

describe('messageJson', () => {
  it('names enums at their zero value, which toJSON leaves out', () => {
    const ready = PodSandboxStatus.fromPartial({ id: 'p1', state: PodSandboxState.SANDBOX_READY });
    expect(PodSandboxStatus.toJSON(ready)).not.toHaveProperty('state');
    expect(messageJson(PodSandboxStatus, ready)).toMatchObject({
      id: 'p1',
      state: 'SANDBOX_READY',
    });
    const created = ContainerStatus.fromPartial({ id: 'c1' });
    expect(messageJson(ContainerStatus, created)).toMatchObject({
      state: 'CONTAINER_CREATED',
      exitCode: 0,
      stopSignal: 'RUNTIME_DEFAULT',
    });
  });

  it('fills zero values in nested messages and lists; unset messages stay out; int64 as text', () => {
    const json = messageJson(
      ListPodSandboxResponse,
      ListPodSandboxResponse.fromPartial({
        items: [
          { id: 'a', metadata: { name: 'n' }, createdAt: 5n, labels: { k: 'v' } },
          { id: 'b' },
        ],
      }),
    );
    expect(json).toEqual({
      items: [
        {
          id: 'a',
          metadata: { name: 'n', uid: '', namespace: '', attempt: 0 },
          state: 'SANDBOX_READY',
          createdAt: '5',
          labels: { k: 'v' },
          annotations: {},
          runtimeHandler: '',
        },
        {
          id: 'b',
          state: 'SANDBOX_READY',
          createdAt: '0',
          labels: {},
          annotations: {},
          runtimeHandler: '',
        },
      ],
    });
  });

  it('keeps what toJSON gives for set values (names, text for bigints)', () => {
    const status = ContainerStatus.fromPartial({
      state: 2,
      exitCode: 3,
      finishedAt: 7n,
      mounts: [{ containerPath: '/d' }],
    });
    const json = messageJson(ContainerStatus, status);
    expect(json).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 3, finishedAt: '7' });
    expect((json.mounts as object[])[0]).toMatchObject({
      containerPath: '/d',
      readonly: false,
      propagation: 'PROPAGATION_PRIVATE',
    });
  });
});
