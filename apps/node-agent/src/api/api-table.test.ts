import { describe, expect, it } from 'vitest';
import type { Pod } from '../pod/types.js';
import { humanDuration, podCells } from './api-table.js';

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [-5_000, '<invalid>'],
    [-500, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [40 * 86400_000, '40d'],
    [800 * 86400_000, '2y70d'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('pod STATUS column', () => {
  const base = (
    over: Partial<NonNullable<Pod['status']>>,
    meta: Partial<Pod['metadata']> = {},
  ): Pod => ({
    metadata: { name: 'p', creationTimestamp: new Date(0).toISOString(), ...meta },
    spec: { containers: [{ name: 'a', image: 'x' }] },
    status: { phase: 'Running', ...over },
  });
  const status = (p: Pod) => podCells(p, 0)[2];

  it('shows waiting and terminated reasons, exit codes and Terminating', () => {
    const cs = (state: object, ready = false) => ({
      name: 'a',
      state,
      lastState: {},
      ready,
      restartCount: 0,
      image: 'x',
      imageID: '',
    });
    expect(
      status(base({ containerStatuses: [cs({ waiting: { reason: 'ImagePullBackOff' } })] })),
    ).toBe('ImagePullBackOff');
    expect(status(base({ containerStatuses: [cs({ terminated: { exitCode: 2 } })] }))).toBe(
      'ExitCode:2',
    );
    expect(
      status(
        base({
          phase: 'Succeeded',
          containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })],
        }),
      ),
    ).toBe('Completed');
    expect(
      status(base({ containerStatuses: [cs({ running: {} }, true)] }, { deletionTimestamp: 'x' })),
    ).toBe('Terminating');
    expect(status(base({ phase: 'Pending', reason: 'Evicted' }))).toBe('Evicted');
  });

  it('shows init container progress', () => {
    const pod = base({
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: 'i1',
          state: { terminated: { exitCode: 0 } },
          lastState: {},
          ready: false,
          restartCount: 0,
          image: '',
          imageID: '',
        },
        {
          name: 'i2',
          state: { running: {} },
          lastState: {},
          ready: false,
          restartCount: 0,
          image: '',
          imageID: '',
        },
      ],
    });
    pod.spec.initContainers = [
      { name: 'i1', image: 'x' },
      { name: 'i2', image: 'x' },
    ];
    expect(status(pod)).toBe('Init:1/2');
  });

  it('counts restarts with the time of the last one', () => {
    const pod = base({
      containerStatuses: [
        {
          name: 'a',
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: new Date(0).toISOString() } },
          ready: true,
          restartCount: 4,
          image: '',
          imageID: '',
        },
      ],
    });
    expect(podCells(pod, 300_000).slice(1, 4)).toEqual(['1/1', 'Running', '4 (5m ago)']);
  });
});
