import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerRef, EventStore, nodeRef } from '@capstan/pod-lifecycle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPodApi, type PodApi } from '../src/api/index.js';
import { FakePodManager } from './fixtures/api/fake-manager.js';
import { KUBECTLS, Kubectl } from './fixtures/api/kubectl.js';

// Events through the pod API against real kubectl releases: get events (Table), field
// selectors, watch, kubectl events, and the Events sections of describe pod and describe
// node. The events come from the lifecycle's real EventStore, recorded as the sync does.

const NODE = 'node-events';
const dir = mkdtempSync(join(tmpdir(), 'pod-api-events-'));
const manager = new FakePodManager(NODE);
const events = new EventStore({ host: NODE });
const token = randomBytes(16).toString('hex');
let api: PodApi;
const kubeconfig = join(dir, 'kubeconfig');

beforeAll(async () => {
  api = createPodApi({
    manager,
    events,
    nodeName: NODE,
    unixSocket: join(dir, 'api.sock'),
    tcp: { host: '127.0.0.1', port: 0, token },
  });
  await api.listen();
  await api.writeKubeconfig(kubeconfig);
  events.event(nodeRef(NODE), 'Normal', 'Starting', 'Starting kubelet.');
  events.event(nodeRef(NODE), 'Normal', 'NodeReady', `Node ${NODE} status is now: NodeReady`);
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function podWithEvents(name: string) {
  const pod = await manager.create({
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  });
  const c = containerRef(pod, 'main');
  events.event(c, 'Normal', 'Pulling', 'Pulling image "busybox"');
  events.event(
    c,
    'Normal',
    'Pulled',
    'Successfully pulled image "busybox" in 1.2s (1.2s including waiting). Image size: 1234 bytes.',
  );
  events.event(c, 'Normal', 'Created', 'Created container: main');
  events.event(c, 'Normal', 'Started', 'Started container main');
  for (let i = 0; i < 3; i++)
    events.event(
      c,
      'Warning',
      'BackOff',
      `Back-off restarting failed container main in pod ${name}_default(${pod.metadata.uid})`,
    );
  return pod;
}

describe.each(KUBECTLS)('kubectl $name', (release) => {
  const k = new Kubectl(release, kubeconfig, join(dir, `home-${release.name}`));
  const slug = release.name.replace('.', '');
  const name = `ev-${slug}`;
  const other = `other-${slug}`;

  beforeAll(async () => {
    await podWithEvents(name);
    await podWithEvents(other);
  });

  it('get events prints the API server columns, with the aggregated BackOff once', async () => {
    const r = await k.run(['get', 'events']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(r.stdout).toMatch(
      new RegExp(`Normal\\s+Pulling\\s+pod/${name}\\s+Pulling image "busybox"`),
    );
    expect(r.stdout).toMatch(
      new RegExp(`Normal\\s+Created\\s+pod/${name}\\s+Created container: main`),
    );
    expect(r.stdout).toMatch(/Normal\s+Starting\s+node\/node-events\s+Starting kubelet\./);
    const backoffs = lines.filter((l) => l.includes(`pod/${name} `) && l.includes('BackOff'));
    expect(backoffs).toHaveLength(1);
    const wide = await k.run([
      'get',
      'ev',
      '-o',
      'wide',
      '--field-selector',
      `involvedObject.name=${name},reason=BackOff`,
    ]);
    expect(wide.stdout.split('\n')[0]).toMatch(
      /SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME/,
    );
    expect(wide.stdout).toMatch(
      /spec\.containers\{main\}\s+kubelet, node-events\s+Back-off restarting/,
    );
    expect(wide.stdout).toMatch(new RegExp(`\\s3\\s+${name}\\.[0-9a-f]+\\n`));
  });

  it('get events --field-selector involvedObject.name= shows that object only', async () => {
    const r = await k.run(['get', 'events', '--field-selector', `involvedObject.name=${name}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`pod/${name}`);
    expect(r.stdout).not.toContain(`pod/${other}`);
    expect(r.stdout).not.toContain('node/');
    const warn = await k.run([
      'get',
      'events',
      '--field-selector',
      `type=Warning,involvedObject.name=${other}`,
      '-o',
      'name',
    ]);
    expect(warn.stdout.trim().split('\n')).toHaveLength(1);
    const bad = await k.run(['get', 'events', '--field-selector', 'spec.nope=x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('field label not supported: spec.nope');
  });

  it('get events -A and -o json: core/v1 events with count, source and involvedObject', async () => {
    const r = await k.run([
      'get',
      'events',
      '-A',
      '-o',
      'json',
      '--field-selector',
      `involvedObject.name=${name},reason=BackOff`,
    ]);
    const list = JSON.parse(r.stdout);
    expect(list.items).toHaveLength(1);
    const e = list.items[0];
    expect(e).toMatchObject({
      kind: 'Event',
      apiVersion: 'v1',
      type: 'Warning',
      reason: 'BackOff',
      count: 3,
      source: { component: 'kubelet', host: NODE },
      involvedObject: {
        kind: 'Pod',
        name,
        namespace: 'default',
        fieldPath: 'spec.containers{main}',
      },
    });
  });

  it('get events.events.k8s.io shows the events.k8s.io/v1 shape (regarding, note, series)', async () => {
    const r = await k.run([
      'get',
      'events.v1.events.k8s.io',
      '-o',
      'json',
      '--field-selector',
      `regarding.name=${name},reason=BackOff`,
    ]);
    expect(r.stderr).toBe('');
    const e = JSON.parse(r.stdout).items[0];
    expect(e).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      reportingController: 'kubelet',
      reportingInstance: NODE,
      regarding: { kind: 'Pod', name },
      deprecatedCount: 3,
      series: { count: 3 },
    });
    expect(e.note).toMatch(/^Back-off restarting failed container main/);
  });

  it('get events -w shows a new event as it is recorded', async () => {
    const w = k.start(['get', 'events', '-w', '--field-selector', `involvedObject.name=${name}`]);
    try {
      await w.waitFor(/Started container main/);
      const pod = manager.get('default', name)!;
      events.event(
        containerRef(pod, 'main'),
        'Warning',
        'Unhealthy',
        `Liveness probe failed: watched-${slug}`,
      );
      await w.waitFor(
        new RegExp(`Warning\\s+Unhealthy\\s+pod/${name}\\s+Liveness probe failed: watched-${slug}`),
      );
    } finally {
      await w.stop();
    }
  });

  it('kubectl events lists them, --for one object', async () => {
    const r = await k.run(['events', '--for', `pod/${name}`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(r.stdout).toMatch(
      new RegExp(`Normal\\s+Pulled\\s+Pod/${name}\\s+Successfully pulled image`),
    );
    expect(r.stdout).toMatch(new RegExp(`Warning\\s+BackOff\\s+Pod/${name}\\s+`));
    expect(r.stdout).not.toContain(other);
  });

  it('describe pod has an Events section with the kubelet as source and the count', async () => {
    const r = await k.run(['describe', 'pod', name]);
    expect(r.stderr).toBe('');
    const section = r.stdout.slice(r.stdout.indexOf('Events:'));
    expect(section).toMatch(/Type\s+Reason\s+Age\s+From\s+Message/);
    expect(section).toMatch(/Normal\s+Pulling\s+\S+\s+kubelet\s+Pulling image "busybox"/);
    expect(section).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container main/);
    expect(section).toMatch(
      /Warning\s+BackOff\s+\S+ \(x3 over \S+\)\s+kubelet\s+Back-off restarting failed container main/,
    );
    expect(section).not.toContain(other);
  });

  it('describe node has the node events', async () => {
    const r = await k.run(['describe', 'node', NODE]);
    expect(r.stderr).toBe('');
    const section = r.stdout.slice(r.stdout.indexOf('Events:'));
    expect(section).toMatch(/Normal\s+Starting\s+\S+\s+kubelet\s+Starting kubelet\./);
    expect(section).toMatch(
      /Normal\s+NodeReady\s+\S+\s+kubelet\s+Node node-events status is now: NodeReady/,
    );
    expect(section).not.toContain('Pulling');
  });
});
