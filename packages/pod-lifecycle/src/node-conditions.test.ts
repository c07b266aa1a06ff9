import { describe, expect, it } from 'vitest';
import { EventStore } from './event-store.js';
import { NodeConditionTracker, nodeConditions } from './node-conditions.js';

const rt = (net: boolean) => [
  { type: 'RuntimeReady', status: true, reason: '', message: '' },
  {
    type: 'NetworkReady',
    status: net,
    reason: net ? '' : 'NetworkPluginNotReady',
    message: net ? '' : 'Network plugin returns error: no CNI configuration file in /etc/cni/net.d',
  },
];
const none = () => undefined;

describe('nodeConditions', () => {
  it('says Ready with the kubelet reasons when all is well', () => {
    const c = nodeConditions({ runtime: rt(true), pressure: none, health: { ok: true } });
    expect(c.map((x) => [x.type, x.status, x.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ]);
    expect(c[3]?.message).toBe('kubelet is posting ready status');
  });

  it("puts the runtime's network condition in the Ready message", () => {
    const c = nodeConditions({ runtime: rt(false), pressure: none, health: { ok: true } });
    expect(c[3]).toMatchObject({
      status: 'False',
      reason: 'KubeletNotReady',
      message:
        'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: no CNI configuration file in /etc/cni/net.d',
    });
  });

  it('joins several problems and names a down runtime and an unhealthy PLEG', () => {
    const c = nodeConditions({
      runtime: undefined,
      pressure: none,
      health: { ok: false, reason: 'PLEG last relisted 200s ago' },
    });
    expect(c[3]?.message).toBe(
      '[container runtime is down, PLEG is not healthy: PLEG last relisted 200s ago]',
    );
  });

  it('reports pressure from eviction with its message', () => {
    const c = nodeConditions({
      runtime: rt(true),
      pressure: (t) =>
        t === 'MemoryPressure' ? { status: true, message: 'memory.available < 100Mi' } : undefined,
      health: { ok: true },
    });
    expect(c[0]).toMatchObject({
      status: 'True',
      reason: 'KubeletHasInsufficientMemory',
      message: 'memory.available < 100Mi',
    });
  });
});

describe('NodeConditionTracker', () => {
  it('records transitions as node events and keeps lastTransitionTime until a change', () => {
    const events = new EventStore({ host: 'n1' });
    const t = new NodeConditionTracker('n1', events);
    const up = (net: boolean, pressure = false, at = 0) =>
      t.update(
        nodeConditions({
          runtime: rt(net),
          pressure: (x) =>
            x === 'MemoryPressure' && pressure ? { status: true, message: '' } : undefined,
          health: { ok: true },
        }),
        new Date(Date.UTC(2026, 0, 1, 0, 0, at)),
      );
    up(false);
    expect(events.list().map((e) => e.reason)).toEqual([
      'NodeHasSufficientMemory',
      'NodeHasNoDiskPressure',
      'NodeHasSufficientPID',
    ]);
    expect(events.list()[0]?.message).toBe('Node n1 status is now: NodeHasSufficientMemory');
    expect(events.list()[0]?.involvedObject).toEqual({ kind: 'Node', name: 'n1', uid: 'n1' });
    const second = up(true, false, 10);
    expect(
      events
        .list()
        .map((e) => e.reason)
        .slice(3),
    ).toEqual(['NodeReady']);
    expect(second.find((c) => c.type === 'MemoryPressure')?.lastTransitionTime).toBe(
      '2026-01-01T00:00:00Z',
    );
    expect(second.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:10Z');
    expect(second.find((c) => c.type === 'Ready')?.lastHeartbeatTime).toBe('2026-01-01T00:00:10Z');
    up(true, true, 20);
    up(false, true, 30);
    expect(
      events
        .list()
        .map((e) => e.reason)
        .slice(4),
    ).toEqual(['NodeHasInsufficientMemory', 'NodeNotReady']);
    up(true, true, 40);
    expect(events.list().filter((e) => e.reason === 'NodeReady')[0]?.count).toBe(2);
  });
});
