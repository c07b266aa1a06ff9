import { describe, expect, it } from 'vitest';
import { EventStore } from './event-store.js';
import { containerRef, nodeRef, podRef } from './events.js';
import type { Pod } from './pod-types.js';
import { goDuration } from './resource-metrics.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'u-1' },
  spec: {
    containers: [{ name: 'app', image: 'busybox' }],
    initContainers: [{ name: 'setup', image: 'busybox' }],
  },
};

function store(o: { max?: number; ttl?: number } = {}) {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const s = new EventStore({
    host: 'node-a',
    ...(o.max ? { maxEvents: o.max } : {}),
    ...(o.ttl ? { ttlMs: o.ttl } : {}),
    now: () => t,
  });
  return { s, tick: (ms: number) => (t += ms) };
}

describe('EventStore', () => {
  it('records a core/v1 event as the kubelet does: name <object>.<hex nanos>, source kubelet/node', () => {
    const { s } = store();
    s.event(containerRef(pod, 'app'), 'Normal', 'Pulling', 'Pulling image "busybox"');
    const [e] = s.list();
    expect(e?.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
    expect(e?.metadata.namespace).toBe('ns1');
    expect(e?.involvedObject).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      namespace: 'ns1',
      name: 'web',
      uid: 'u-1',
      fieldPath: 'spec.containers{app}',
    });
    expect(e?.source).toEqual({ component: 'kubelet', host: 'node-a' });
    expect(e?.reportingComponent).toBe('kubelet');
    expect(e?.reportingInstance).toBe('node-a');
    expect(e?.count).toBe(1);
    expect(e?.firstTimestamp).toBe('2026-01-01T00:00:00Z');
  });

  it('names init containers by spec.initContainers and puts node events in default', () => {
    const { s } = store();
    expect(containerRef(pod, 'setup').fieldPath).toBe('spec.initContainers{setup}');
    s.event(nodeRef('node-a'), 'Normal', 'Starting', 'Starting kubelet.');
    expect(s.list('default')[0]?.involvedObject).toEqual({
      kind: 'Node',
      name: 'node-a',
      uid: 'node-a',
    });
  });

  it('aggregates an identical event: count and lastTimestamp grow, one object, MODIFIED on watch', () => {
    const { s, tick } = store();
    const seen: string[] = [];
    s.watch((type, e) => seen.push(`${type}:${e.count}`));
    s.event(podRef(pod), 'Warning', 'BackOff', 'Back-off restarting failed container app');
    tick(5000);
    s.event(podRef(pod), 'Warning', 'BackOff', 'Back-off restarting failed container app');
    tick(5000);
    s.event(podRef(pod), 'Warning', 'BackOff', 'Back-off restarting failed container app');
    const all = s.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.count).toBe(3);
    expect(all[0]?.firstTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(all[0]?.lastTimestamp).toBe('2026-01-01T00:00:10Z');
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'MODIFIED:3']);
  });

  it('keeps events apart that differ in reason, type, message or object', () => {
    const { s } = store();
    s.event(podRef(pod), 'Warning', 'Failed', 'a');
    s.event(podRef(pod), 'Warning', 'Failed', 'b');
    s.event(podRef(pod), 'Normal', 'Failed', 'a');
    s.event(containerRef(pod, 'app'), 'Warning', 'Failed', 'a');
    expect(s.list()).toHaveLength(4);
    expect(new Set(s.list().map((e) => e.metadata.name)).size).toBe(4);
  });

  it('combines more than ten similar events (same reason, different messages) into one', () => {
    const { s } = store();
    for (let i = 0; i < 14; i++) s.event(podRef(pod), 'Warning', 'Unhealthy', `probe failed ${i}`);
    const events = s.list();
    expect(events).toHaveLength(11);
    const combined = events.find((e) => e.message.startsWith('(combined from similar events): '));
    expect(combined?.count).toBe(4);
    expect(combined?.message).toBe('(combined from similar events): probe failed 13');
  });

  it('is bounded: past maxEvents the least recently updated event goes (DELETED on watch)', () => {
    const { s, tick } = store({ max: 3 });
    const deleted: string[] = [];
    s.watch((type, e) => type === 'DELETED' && deleted.push(e.reason));
    for (const r of ['A', 'B', 'C']) {
      s.event(podRef(pod), 'Normal', r, 'm');
      tick(1);
    }
    s.event(podRef(pod), 'Normal', 'A', 'm'); // A is now the newest
    s.event(podRef(pod), 'Normal', 'D', 'm');
    expect(s.list().map((e) => e.reason)).toEqual(['C', 'A', 'D']);
    expect(deleted).toEqual(['B']);
  });

  it('expires events an hour (ttl) after their last update', () => {
    const { s, tick } = store();
    s.event(podRef(pod), 'Normal', 'Old', 'm');
    tick(30 * 60_000);
    s.event(podRef(pod), 'Normal', 'Young', 'm');
    tick(31 * 60_000);
    expect(s.list().map((e) => e.reason)).toEqual(['Young']);
    tick(30 * 60_000);
    expect(s.list()).toEqual([]);
  });

  it('resumes a watch from a resourceVersion: newer events only, new ones ADDED, updated ones MODIFIED', () => {
    const { s } = store();
    s.event(podRef(pod), 'Normal', 'A', 'm');
    s.event(podRef(pod), 'Normal', 'B', 'm');
    const rv = s.resourceVersion();
    s.event(podRef(pod), 'Normal', 'A', 'm');
    s.event(podRef(pod), 'Normal', 'C', 'm');
    const seen: string[] = [];
    s.watch((type, e) => seen.push(`${type}:${e.reason}`), rv);
    expect(seen).toEqual(['MODIFIED:A', 'ADDED:C']);
    expect(Number(s.resourceVersion())).toBeGreaterThan(Number(rv));
  });

  it('gives distinct names to events of one object in the same millisecond', () => {
    const { s } = store();
    s.event(podRef(pod), 'Normal', 'A', 'm');
    s.event(podRef(pod), 'Normal', 'B', 'm');
    const [a, b] = s.list();
    expect(a?.metadata.name).not.toBe(b?.metadata.name);
    expect(s.get('ns1', b!.metadata.name)?.reason).toBe('B');
    expect(s.get('other', b!.metadata.name)).toBeUndefined();
  });
});

describe('goDuration', () => {
  it("prints durations as Go's time.Duration", () => {
    expect(goDuration(523)).toBe('523ms');
    expect(goDuration(1200)).toBe('1.2s');
    expect(goDuration(10_000)).toBe('10s');
    expect(goDuration(80_000)).toBe('1m20s');
    expect(goDuration(300_000)).toBe('5m0s');
  });
});
