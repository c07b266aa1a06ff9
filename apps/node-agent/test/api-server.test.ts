import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CriClient } from '@capstan/cri-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPodApi, type PodApi } from '../src/api/index.js';
import type { Pod } from '../src/pod/types.js';
import { FakePodManager } from './fixtures/api/fake-manager.js';
import { call, stream, type Target, until } from './fixtures/api/http.js';

// The pod API at the HTTP level, without kubectl: its unix socket and TLS listener,
// Status errors, validation, patches, watch and log semantics, and the upgrade proxy
// against a stand-in streaming server.

const NODE = 'node-http';
const dir = mkdtempSync(join(tmpdir(), 'pod-api-http-'));
const manager = new FakePodManager(NODE);
const token = randomBytes(16).toString('hex');
const socket = join(dir, 'run', 'pod-api.sock');
let api: PodApi;
let unix: Target;
let tcp: Target;

const pod = (name: string, labels: Record<string, string> = {}, containers = ['main']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: {
    containers: containers.map((c) => ({ name: c, image: 'busybox', command: ['sleep', '3600'] })),
  },
});

beforeAll(async () => {
  api = createPodApi({
    manager,
    nodeName: NODE,
    unixSocket: socket,
    tcp: { host: '127.0.0.1', port: 0, token },
  });
  const address = await api.listen();
  unix = { socket };
  tcp = { url: address.url, ca: address.certificateAuthority, token };
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('listeners and auth', () => {
  it('the unix socket is mode 0600 and needs no token', async () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const r = await call(unix, 'GET', '/version');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ major: '1', minor: '33', gitVersion: 'v1.33.0-capstan' });
  });

  it('socketMode 0660 is honoured and a stale socket file is replaced', async () => {
    const path = join(dir, 'group.sock');
    const first = createPodApi({ manager, nodeName: NODE, unixSocket: path, socketMode: 0o660 });
    await first.listen();
    expect(statSync(path).mode & 0o777).toBe(0o660);
    // A second server on a live socket is refused.
    await expect(
      createPodApi({ manager, nodeName: NODE, unixSocket: path }).listen(),
    ).rejects.toThrow(/another server is listening/);
    await first.close();
    expect(existsSync(path)).toBe(false);
  });

  it('TCP answers 401 without the token or with a wrong one', async () => {
    for (const t of [undefined, 'wrong']) {
      const r = await call({ ...tcp, token: t }, 'GET', '/api/v1/pods');
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    expect((await call(tcp, 'GET', '/api/v1/pods')).status).toBe(200);
  });

  it('refuses a non-loopback TCP host and an empty token', () => {
    expect(() =>
      createPodApi({ manager, nodeName: NODE, tcp: { host: '0.0.0.0', port: 0, token } }),
    ).toThrow(/not a loopback address/);
    expect(() =>
      createPodApi({ manager, nodeName: NODE, tcp: { host: '127.0.0.1', port: 0, token: '' } }),
    ).toThrow(/needs a bearer token/);
  });
});

describe('discovery', () => {
  it('serves /api, /api/v1 and an empty /apis', async () => {
    expect((await call(unix, 'GET', '/api')).json()).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
    const v1 = (await call(unix, 'GET', '/api/v1')).json<{ resources: { name: string }[] }>();
    expect(v1.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'pods',
        'pods/log',
        'pods/exec',
        'pods/attach',
        'pods/portforward',
        'pods/status',
        'nodes',
        'namespaces',
      ]),
    );
    const groups = (await call(unix, 'GET', '/apis')).json() as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toContain('events.k8s.io');
    const eventsV1 = (await call(unix, 'GET', '/apis/events.k8s.io/v1')).json() as {
      resources: { name: string; shortNames?: string[] }[];
    };
    expect(eventsV1.resources).toEqual([
      expect.objectContaining({ name: 'events', shortNames: ['ev'] }),
    ]);
    // Without an event source the list is empty, not a 404.
    expect((await call(unix, 'GET', '/api/v1/namespaces/default/events')).json()).toMatchObject({
      kind: 'EventList',
      items: [],
    });
    expect((await call(unix, 'GET', '/api/v1/namespaces/default/events/x')).status).toBe(404);
  });

  it('serves no metrics.k8s.io without a metrics source', async () => {
    for (const path of ['/apis/metrics.k8s.io/v1beta1', '/apis/metrics.k8s.io/v1beta1/pods'])
      expect((await call(unix, 'GET', path)).status, path).toBe(404);
  });

  it('answers unknown paths with a 404 Status', async () => {
    const r = await call(unix, 'GET', '/apis/apps/v1/deployments');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
    });
  });

  it('serves OpenAPI v2 as protobuf and JSON, and v3, with fieldValidation on Pod PATCH', async () => {
    const pb = await call(unix, 'GET', '/openapi/v2', {
      headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    expect(pb.headers['content-type']).toBe(
      'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
    );
    expect(pb.body).toContain('fieldValidation');
    const json = (await call(unix, 'GET', '/openapi/v2')).json<{
      paths: Record<string, { patch?: { parameters: { name: string }[] } }>;
    }>();
    expect(
      json.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch?.parameters.map(
        (p) => p.name,
      ),
    ).toContain('fieldValidation');
    const root = (await call(unix, 'GET', '/openapi/v3')).json<{
      paths: Record<string, { serverRelativeURL: string }>;
    }>();
    const url = root.paths['api/v1']?.serverRelativeURL ?? '';
    const doc = (await call(unix, 'GET', url)).json<{
      paths: Record<string, { patch?: Record<string, unknown> }>;
    }>();
    expect(
      doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch?.[
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual({
      group: '',
      version: 'v1',
      kind: 'Pod',
    });
  });
});

describe('pods', () => {
  it('create validates like the API server', async () => {
    const post = (body: unknown, ns = 'default', headers: Record<string, string> = {}) =>
      call(unix, 'POST', `/api/v1/namespaces/${ns}/pods`, { body, headers });
    const noContainers = await post({ metadata: { name: 'empty' }, spec: { containers: [] } });
    expect(noContainers.status).toBe(422);
    expect(noContainers.json()).toMatchObject({
      reason: 'Invalid',
      message: 'Pod "empty" is invalid: spec.containers: Required value',
      details: { causes: [{ field: 'spec.containers', reason: 'FieldValueRequired' }] },
    });
    const badName = await post(pod('Bad_Name'));
    expect(badName.status).toBe(422);
    expect(badName.json<{ message: string }>().message).toContain(
      'metadata.name: Invalid value: "Bad_Name"',
    );
    const dup = await post({
      metadata: { name: 'dup' },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'a', image: 'y' },
        ],
      },
    });
    expect(dup.json<{ message: string }>().message).toBe(
      'Pod "dup" is invalid: spec.containers[1].name: Duplicate value: "a"',
    );
    const otherNs = await post({ ...pod('x'), metadata: { name: 'x', namespace: 'other' } });
    expect(otherNs.status).toBe(400);
    expect((await post({ ...pod('svc'), kind: 'Service' })).status).toBe(400);
    expect(
      (
        await call(unix, 'POST', '/api/v1/namespaces/default/pods', {
          rawBody: 'kind: Pod',
          headers: { 'Content-Type': 'application/yaml' },
        })
      ).status,
    ).toBe(415);
    expect(
      (await call(unix, 'POST', '/api/v1/namespaces/default/pods', { rawBody: '{' })).status,
    ).toBe(400);
    const elsewhere = await post({
      ...pod('far'),
      spec: { ...pod('far').spec, nodeName: 'other-node' },
    });
    expect(elsewhere.status).toBe(422);
    expect(manager.list().map((p) => p.metadata.name)).toEqual([]);
  });

  it('create supports generateName, dryRun and fieldValidation=Warn', async () => {
    const gen = await call(unix, 'POST', '/api/v1/namespaces/default/pods', {
      body: { metadata: { generateName: 'gen-' }, spec: pod('x').spec },
    });
    expect(gen.status).toBe(201);
    const name = gen.json<Pod>().metadata.name;
    expect(name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = await call(unix, 'POST', '/api/v1/namespaces/default/pods?dryRun=All', {
      body: pod('dry'),
    });
    expect(dry.status).toBe(201);
    expect(manager.get('default', 'dry')).toBeUndefined();
    const warn = await call(unix, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Warn', {
      body: { ...pod('warned'), spec: { ...pod('warned').spec, restartPolicyy: 'Never' } },
    });
    expect(warn.status).toBe(201);
    expect(warn.headers.warning).toBe('299 - "unknown field \\"spec.restartPolicyy\\""');
    await manager.delete('default', name, 0);
    await manager.delete('default', 'warned', 0);
  });

  it('an AlreadyExists from the manager is a 409 Status', async () => {
    await manager.create({ ...pod('twice'), metadata: { name: 'twice', namespace: 'default' } });
    const r = await call(unix, 'POST', '/api/v1/namespaces/default/pods', { body: pod('twice') });
    expect(r.status).toBe(409);
    expect(r.json()).toMatchObject({
      reason: 'AlreadyExists',
      message: 'pods "twice" already exists',
    });
    await manager.delete('default', 'twice', 0);
  });

  it('serves the Table and PartialObjectMetadata forms', async () => {
    await call(unix, 'POST', '/api/v1/namespaces/default/pods', { body: pod('tabled') });
    const table = await call(unix, 'GET', '/api/v1/namespaces/default/pods?includeObject=Object', {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const t = table.json<{
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: Pod }[];
    }>();
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(t.rows[0]?.cells.slice(0, 4)).toEqual(['tabled', '1/1', 'Running', '0']);
    expect(t.rows[0]?.object.kind).toBe('Pod');
    const partial = await call(unix, 'GET', '/api/v1/namespaces/default/pods/tabled', {
      headers: { Accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' },
    });
    expect(partial.json()).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'tabled' },
    });
    const protobufOnly = await call(unix, 'GET', '/api/v1/pods', {
      headers: { Accept: 'application/vnd.kubernetes.protobuf' },
    });
    expect(protobufOnly.status).toBe(406);
  });

  it('PATCH changes labels and annotations, refuses spec changes, and PUT checks the resourceVersion', async () => {
    const path = '/api/v1/namespaces/default/pods/tabled';
    const merge = await call(unix, 'PATCH', path, {
      body: { metadata: { labels: { tier: 'db' }, annotations: { a: 'b' } } },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(merge.status).toBe(200);
    expect(merge.json<Pod>().metadata.labels).toEqual({ tier: 'db' });
    const jsonPatch = await call(unix, 'PATCH', path, {
      body: [{ op: 'replace', path: '/metadata/labels/tier', value: 'web' }],
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    expect(jsonPatch.json<Pod>().metadata.labels).toEqual({ tier: 'web' });
    const same = await call(unix, 'PATCH', path, {
      body: { spec: { containers: [{ name: 'main', image: 'busybox' }] } },
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    });
    expect(same.status).toBe(200);
    const changed = await call(unix, 'PATCH', path, {
      body: { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } },
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    });
    expect(changed.status).toBe(422);
    expect(changed.json<{ message: string }>().message).toMatch(
      /^Pod "tabled" is invalid: spec: Forbidden/,
    );
    const ssa = await call(unix, 'PATCH', path, {
      rawBody: 'metadata: {}',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(ssa.status).toBe(415);
    const current = manager.get('default', 'tabled') as Pod;
    const stale = await call(unix, 'PUT', path, {
      body: {
        ...current,
        metadata: { ...current.metadata, resourceVersion: '1', labels: { x: 'y' } },
      },
    });
    expect(stale.status).toBe(409);
    expect(stale.json()).toMatchObject({ reason: 'Conflict' });
    const put = await call(unix, 'PUT', path, {
      body: { ...current, metadata: { ...current.metadata, labels: { x: 'y' } } },
    });
    expect(put.status).toBe(200);
    expect(manager.get('default', 'tabled')?.metadata.labels).toEqual({ x: 'y' });
    expect((await call(unix, 'PUT', `${path}/status`, { body: current })).status).toBe(405);
  });

  it('PUT and PATCH refuse an apiVersion other than v1, as create does, and change nothing', async () => {
    const path = '/api/v1/namespaces/default/pods/tabled';
    const current = manager.get('default', 'tabled') as Pod;
    for (const apiVersion of ['apps/v1', 'v2', '', 'v1\u0000']) {
      const put = await call(unix, 'PUT', path, {
        body: { ...current, apiVersion, metadata: { ...current.metadata, labels: { put: 'x' } } },
      });
      expect(put.status, apiVersion).toBe(400);
      expect(put.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
    const patch = await call(unix, 'PATCH', path, {
      body: [
        { op: 'replace', path: '/apiVersion', value: 'v2' },
        { op: 'add', path: '/metadata/labels/patched', value: 'x' },
      ],
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    expect(patch.status).toBe(400);
    expect(manager.get('default', 'tabled')?.metadata.labels).toEqual(current.metadata.labels);
  });

  it('DELETE takes gracePeriodSeconds from DeleteOptions or the query, and checks preconditions', async () => {
    for (const name of ['del-a', 'del-b', 'del-c']) {
      await call(unix, 'POST', '/api/v1/namespaces/default/pods', { body: pod(name) });
    }
    const conflict = await call(unix, 'DELETE', '/api/v1/namespaces/default/pods/del-a', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'someone-else' } },
    });
    expect(conflict.status).toBe(409);
    const a = await call(unix, 'DELETE', '/api/v1/namespaces/default/pods/del-a', {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 5 },
    });
    expect(a.json<Pod>().metadata.deletionTimestamp).toBeDefined();
    await call(unix, 'DELETE', '/api/v1/namespaces/default/pods/del-b?gracePeriodSeconds=0');
    await call(unix, 'DELETE', '/api/v1/namespaces/default/pods/del-c');
    const graces = manager.calls
      .filter((c) => c.method === 'delete' && String(c.args[1]).startsWith('del-'))
      .map((c) => c.args[2]);
    expect(graces).toEqual([5, 0, undefined]);
    expect((await call(unix, 'DELETE', '/api/v1/namespaces/default/pods/del-b')).status).toBe(404);
    expect((await call(unix, 'DELETE', '/api/v1/namespaces/default/pods')).status).toBe(405);
  });
});

describe('watch', () => {
  it('follows selector transitions: ADDED when a pod starts matching, DELETED when it stops', async () => {
    await call(unix, 'POST', '/api/v1/namespaces/watch/pods', { body: pod('w1', { role: 'x' }) });
    const w = stream(unix, '/api/v1/namespaces/watch/pods?watch=1&labelSelector=role%20in%20(a,b)');
    expect(await w.status).toBe(200);
    const events = () =>
      w
        .text()
        .trim()
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l) as { type: string; object: Pod });
    const patch = (labels: Record<string, string>) =>
      call(unix, 'PATCH', '/api/v1/namespaces/watch/pods/w1', {
        body: { metadata: { labels } },
        headers: { 'Content-Type': 'application/merge-patch+json' },
      });
    await patch({ role: 'a' });
    await patch({ role: 'b' });
    await patch({ role: 'c' });
    await call(unix, 'POST', '/api/v1/namespaces/other/pods', { body: pod('w2', { role: 'a' }) });
    await until('three events', () => events().length === 3);
    expect(events().map((e) => [e.type, e.object.metadata.labels?.role])).toEqual([
      ['ADDED', 'a'],
      ['MODIFIED', 'b'],
      ['DELETED', 'b'],
    ]);
    w.close();
    await w.ended;
    await until('the watch to unsubscribe', () => manager.watcherCount === 0);
  });

  it('resumes after a resourceVersion and ends at timeoutSeconds', async () => {
    const rv = manager.resourceVersion();
    await call(unix, 'POST', '/api/v1/namespaces/watch/pods', { body: pod('w3') });
    const w = stream(
      unix,
      `/api/v1/namespaces/watch/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1&fieldSelector=metadata.name%3Dw3`,
    );
    await w.ended;
    const lines = w
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'w3']]);
  });

  it('sends Table rows with column definitions in the first event only', async () => {
    const w = stream(unix, '/api/v1/namespaces/watch/pods?watch=1&timeoutSeconds=1', {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    await w.ended;
    const [first, second] = w
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first.object.kind).toBe('Table');
    expect(first.object.columnDefinitions.length).toBe(9);
    expect(second.object.columnDefinitions).toEqual([]);
    expect(second.object.rows[0].object.kind).toBe('PartialObjectMetadata');
  });
});

describe('logs', () => {
  it('needs a container name when the pod has several, and knows its containers', async () => {
    await call(unix, 'POST', '/api/v1/namespaces/logs/pods', { body: pod('two', {}, ['a', 'b']) });
    const r = await call(unix, 'GET', '/api/v1/namespaces/logs/pods/two/log');
    expect(r.status).toBe(400);
    expect(r.json<{ message: string }>().message).toBe(
      'a container name must be specified for pod two, choose one of: [a b]',
    );
    expect(
      (await call(unix, 'GET', '/api/v1/namespaces/logs/pods/two/log?container=c')).json(),
    ).toMatchObject({
      message: 'container c is not valid for pod two',
    });
    const ok = await call(unix, 'GET', '/api/v1/namespaces/logs/pods/two/log?container=b');
    expect(ok.headers['content-type']).toBe('text/plain');
    expect(ok.body).toBe('starting\nready\nserving\n');
  });

  it('limitBytes cuts the stream; options reach the manager', async () => {
    const r = await call(
      unix,
      'GET',
      '/api/v1/namespaces/logs/pods/two/log?container=a&limitBytes=12&tailLines=5&timestamps=true',
    );
    expect(r.body).toBe('2026-01-01T0');
    const opts = manager.calls.filter((c) => c.method === 'logs').at(-1)?.args[2];
    expect(opts).toMatchObject({
      container: 'a',
      limitBytes: 12,
      tailLines: 5,
      timestamps: true,
      follow: false,
    });
  });

  it('follow sends headers before a line arrives and stops when the client leaves', async () => {
    manager.appendLog('logs', 'two', 'x');
    const s = stream(
      unix,
      '/api/v1/namespaces/logs/pods/two/log?container=a&follow=true&tailLines=0',
    );
    expect(await s.status).toBe(200);
    manager.appendLog('logs', 'two', 'late line');
    await until('the late line', () => s.text() === 'late line\n');
    s.close();
    await s.ended;
  });
});

describe('streaming proxy', () => {
  it('answers a plain request to exec with 400 Upgrade request required', async () => {
    const r = await call(
      unix,
      'POST',
      '/api/v1/namespaces/logs/pods/two/exec?command=true&container=a&stdout=1',
    );
    expect(r.status).toBe(400);
    expect(r.json<{ message: string }>().message).toBe('Upgrade request required');
  });

  it('replays the upgrade to the streaming URL without our credentials and pipes both ways', async () => {
    let seen = '';
    const upstream = createServer((conn: Socket) => {
      conn.once('data', (d) => {
        seen = d.toString();
        conn.write(
          'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
        );
        conn.on('data', (more) => conn.write(Buffer.concat([Buffer.from('echo:'), more])));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    const stub = {
      runtime: { exec: async () => ({ url: `http://127.0.0.1:${port}/exec/tok3n` }) },
    } as unknown as CriClient;
    await manager.create({
      ...pod('proxied'),
      metadata: { name: 'proxied', namespace: 'default' },
    });
    manager.bindStreams('default', 'proxied', {
      cri: stub,
      sandboxId: 's',
      containers: new Map([['main', 'c1']]),
    });
    const { connect } = await import('node:tls');
    const client = connect({
      host: '127.0.0.1',
      port: Number(new URL(tcp.url as string).port),
      ca: tcp.ca,
    });
    await new Promise((r) => client.once('secureConnect', r));
    client.write(
      'POST /api/v1/namespaces/default/pods/proxied/exec?command=sh&container=main&stdin=true&stdout=true HTTP/1.1\r\n' +
        `Host: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
        'X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3.channel.k8s.io\r\nContent-Length: 0\r\n\r\n',
    );
    let got = '';
    client.on('data', (d) => {
      got += d.toString();
    });
    await until('101', () => got.includes('\r\n\r\n'));
    expect(got).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    client.write('frame-1');
    await until('echo', () => got.endsWith('echo:frame-1'));
    expect(seen).toMatch(/^POST \/exec\/tok3n HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    expect(seen).not.toMatch(/authorization/i);
    expect(seen.match(/X-Stream-Protocol-Version: v\d/g)).toEqual([
      'X-Stream-Protocol-Version: v4',
      'X-Stream-Protocol-Version: v3',
    ]);
    client.destroy();
    upstream.close();
  });

  it('an unreachable streaming server is a 503 Status', async () => {
    const stub = {
      runtime: { exec: async () => ({ url: 'http://127.0.0.1:1/exec/x' }) },
    } as unknown as CriClient;
    manager.bindStreams('default', 'proxied', {
      cri: stub,
      sandboxId: 's',
      containers: new Map([['main', 'c1']]),
    });
    const { request } = await import('node:http');
    const status = await new Promise<string>((resolve) => {
      const req = request({
        socketPath: socket,
        method: 'POST',
        path: '/api/v1/namespaces/default/pods/proxied/exec?command=sh&container=main&stdout=true',
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.end();
    });
    expect(status).toMatch(/^503 .*cannot reach the runtime's streaming server at 127\.0\.0\.1:1/);
  });
});

describe('nodes and namespaces', () => {
  it('serves the node and 404s other names', async () => {
    expect((await call(unix, 'GET', `/api/v1/nodes/${NODE}`)).json()).toMatchObject({
      kind: 'Node',
      metadata: { name: NODE },
    });
    expect((await call(unix, 'GET', '/api/v1/nodes/elsewhere')).status).toBe(404);
    const list = (
      await call(unix, 'GET', '/api/v1/nodes?fieldSelector=metadata.name%3Delsewhere')
    ).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
  });

  it('any valid namespace exists and is Active', async () => {
    expect((await call(unix, 'GET', '/api/v1/namespaces/anything')).json()).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'anything' },
      status: { phase: 'Active' },
    });
    expect((await call(unix, 'GET', '/api/v1/namespaces/Not_Valid')).status).toBe(404);
    const names = (await call(unix, 'GET', '/api/v1/namespaces')).json<{
      items: { metadata: { name: string } }[];
    }>();
    expect(names.items.map((n) => n.metadata.name)).toEqual(
      expect.arrayContaining(['default', 'watch', 'logs']),
    );
  });
});

describe('close', () => {
  it('ends open watches and removes the socket', async () => {
    const path = join(dir, 'closing.sock');
    const other = createPodApi({ manager, nodeName: NODE, unixSocket: path });
    await other.listen();
    const w = stream({ socket: path }, '/api/v1/pods?watch=1');
    expect(await w.status).toBe(200);
    await other.close();
    await w.ended;
    expect(existsSync(path)).toBe(false);
  });
});
