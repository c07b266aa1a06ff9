import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPodApi, type PodApi } from '../src/api/index.js';
import { FakePodManager } from './fixtures/api/fake-manager.js';
import { KUBECTLS, Kubectl, writeManifest } from './fixtures/api/kubectl.js';

// The pod API against real kubectl releases (1.27, 1.33 and the dispatcher's default),
// through the kubeconfig the API writes: pods over an in-memory manager, nodes,
// authentication. Validation stays at kubectl's default (--validate=true): the API
// advertises server-side field validation in its OpenAPI documents.

const NODE = 'node-kubectl';
const dir = mkdtempSync(join(tmpdir(), 'pod-api-kubectl-'));
const manager = new FakePodManager(NODE);
const token = randomBytes(16).toString('hex');
let api: PodApi;
const kubeconfig = join(dir, 'kubeconfig');
const badKubeconfig = join(dir, 'kubeconfig-bad');

beforeAll(async () => {
  api = createPodApi({
    manager,
    nodeName: NODE,
    unixSocket: join(dir, 'api.sock'),
    tcp: { host: '127.0.0.1', port: 0, token },
  });
  await api.listen();
  await api.writeKubeconfig(kubeconfig);
  await api.writeKubeconfig(badKubeconfig, { token: 'not-the-token' });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const podYaml = (name: string, labels: Record<string, string> = {}, command = 'sleep 3600') =>
  [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    ...Object.entries({ app: name, ...labels }).map(([k, v]) => `    ${k}: ${v}`),
    'spec:',
    '  containers:',
    '  - name: main',
    '    image: busybox',
    `    command: [${command
      .split(' ')
      .map((w) => JSON.stringify(w))
      .join(', ')}]`,
    '',
  ].join('\n');

it('writes a kubeconfig only its owner can read, trusting the listener certificate', () => {
  expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
  const config = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  expect(config.clusters[0].cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(
    Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
  ).toContain('BEGIN CERTIFICATE');
  expect(config.users[0].user.token).toBe(token);
});

describe.each(KUBECTLS)('kubectl $name', (release) => {
  const k = new Kubectl(release, kubeconfig, join(dir, `home-${release.name}`));
  const slug = release.name.replace('.', '');
  const web = `web-${slug}`;
  const applied = `applied-${slug}`;

  it('get pods with none reports no resources', async () => {
    const r = await k.run(['get', 'pods', '-l', `app=${web}`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('No resources found in default namespace.');
  });

  it('create -f pod.yaml creates the pod with server-side validation', async () => {
    const file = writeManifest(dir, `${web}.yaml`, podYaml(web));
    const r = await k.run(['create', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`pod/${web} created\n`);
    const pod = manager.get('default', web);
    expect(pod?.spec.containers[0]?.command).toEqual(['sleep', '3600']);
    expect(pod?.spec.nodeName).toBe(NODE);
  });

  it('create -f of a pod with an unknown field fails like the API server, and passes with --validate=false', async () => {
    const name = `typo-${slug}`;
    const file = writeManifest(
      dir,
      `${name}.yaml`,
      podYaml(name).replace('    image:', '    imagee: x\n    image:'),
    );
    const strict = await k.run(['create', '-f', file]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(
      `Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee"`,
    );
    expect(manager.get('default', name)).toBeUndefined();
    const loose = await k.run(['create', '--validate=false', '-f', file]);
    expect(loose.stdout).toBe(`pod/${name} created\n`);
    expect((await k.run(['delete', 'pod', name, '--grace-period=0', '--force'])).code).toBe(0);
  });

  it('get pods prints the usual table', async () => {
    const r = await k.run(['get', 'pods']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${web}\\s+1/1\\s+Running\\s+0\\s+\\d+s$`)),
    );
  });

  it('get pods -o wide adds IP and NODE', async () => {
    const r = await k.run(['get', 'pods', '-o', 'wide', '-l', `app=${web}`]);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(row).toMatch(
      new RegExp(
        `^${web}\\s+1/1\\s+Running\\s+0\\s+\\d+s\\s+127\\.0\\.0\\.1\\s+${NODE}\\s+<none>\\s+<none>$`,
      ),
    );
  });

  it('get pods -A adds the NAMESPACE column; selectors filter', async () => {
    const all = await k.run(['get', 'pods', '-A']);
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+READY[^\n]*\ndefault\s+/m);
    const none = await k.run(['get', 'pods', '-l', `app notin (${web}),app=${web}`]);
    expect(none.stderr).toContain('No resources found');
    const phase = await k.run([
      'get',
      'pods',
      '--field-selector',
      `status.phase=Running,metadata.name=${web}`,
      '-o',
      'name',
    ]);
    expect(phase.stdout).toBe(`pod/${web}\n`);
    const bad = await k.run(['get', 'pods', '--field-selector', 'spec.foo=bar']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('field label not supported: spec.foo');
  });

  it('get pods -o json returns the pod objects', async () => {
    const r = await k.run(['get', 'pods', '-o', 'json']);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    const pod = list.items.find((p: { metadata: { name: string } }) => p.metadata.name === web);
    expect(pod).toMatchObject({ apiVersion: 'v1', kind: 'Pod', status: { phase: 'Running' } });
  });

  it('get pod X -o yaml returns the pod', async () => {
    const r = await k.run(['get', 'pod', web, '-o', 'yaml']);
    expect(r.stdout).toMatch(/^apiVersion: v1\nkind: Pod\n/);
    expect(r.stdout).toContain(`  name: ${web}\n`);
    expect(r.stdout).toContain(`  nodeName: ${NODE}\n`);
    expect(r.stdout).toContain('  phase: Running\n');
  });

  it('get pod of an absent pod says NotFound', async () => {
    const r = await k.run(['get', 'pod', `absent-${slug}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (NotFound): pods "absent-${slug}" not found\n`);
  });

  it('apply -f creates, leaves unchanged, patches labels, and refuses spec changes', async () => {
    const file = writeManifest(dir, `${applied}.yaml`, podYaml(applied));
    expect((await k.run(['apply', '-f', file])).stdout).toBe(`pod/${applied} created\n`);
    const created = manager.get('default', applied);
    expect(
      created?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
    ).toContain(applied);
    expect((await k.run(['apply', '-f', file])).stdout).toBe(`pod/${applied} unchanged\n`);
    writeManifest(dir, `${applied}.yaml`, podYaml(applied, { tier: 'front' }));
    expect((await k.run(['apply', '-f', file])).stdout).toBe(`pod/${applied} configured\n`);
    expect(manager.get('default', applied)?.metadata.labels).toEqual({
      app: applied,
      tier: 'front',
    });
    const labels = await k.run(['get', 'pod', applied, '--show-labels']);
    expect(labels.stdout).toContain(`app=${applied},tier=front`);
    writeManifest(dir, `${applied}.yaml`, podYaml(applied, { tier: 'front' }, 'sleep 7200'));
    const refused = await k.run(['apply', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `The Pod "${applied}" is invalid: spec: Forbidden: pod updates may not change fields other than`,
    );
    expect(manager.get('default', applied)?.spec.containers[0]?.command).toEqual(['sleep', '3600']);
  });

  it('label and annotate patch metadata', async () => {
    expect((await k.run(['label', 'pod', applied, 'stage=test'])).stdout).toBe(
      `pod/${applied} labeled\n`,
    );
    // kubectl 1.27 prints "annotate" for "annotated".
    expect((await k.run(['annotate', 'pod', applied, 'note=hello'])).stdout).toMatch(
      new RegExp(`^pod/${applied} annotated?\n$`),
    );
    const pod = manager.get('default', applied);
    expect(pod?.metadata.labels?.stage).toBe('test');
    expect(pod?.metadata.annotations?.note).toBe('hello');
  });

  it('get pods --watch receives an event', async () => {
    const w = k.start(['get', 'pods', '--watch', '-l', `app=${applied}`]);
    try {
      await w.waitFor(new RegExp(`^NAME[^\\n]+\\n${applied}\\s+1/1\\s+Running`, 'm'));
      manager.setStatus('default', applied, (p) => {
        const c = p.status?.containerStatuses?.[0];
        if (c) {
          c.ready = false;
          c.state = { waiting: { reason: 'CrashLoopBackOff' } };
          c.restartCount = 3;
        }
      });
      await w.waitFor(new RegExp(`${applied}\\s+0/1\\s+CrashLoopBackOff\\s+3\\s+`));
    } finally {
      await w.stop();
    }
  });

  it('logs prints the log; --tail and --timestamps pass through', async () => {
    expect((await k.run(['logs', web])).stdout).toBe('starting\nready\nserving\n');
    const tail = await k.run(['logs', web, '--tail=1', '--timestamps']);
    expect(tail.stdout).toBe('2026-01-01T00:00:02.000Z serving\n');
    const prev = await k.run(['logs', web, '-p']);
    expect(prev.code).toBe(1);
    expect(prev.stderr).toContain('previous terminated container "main"');
  });

  it('logs -f streams new lines and ends when the log ends', async () => {
    const name = `follow-${slug}`;
    await k.run(['create', '-f', writeManifest(dir, `${name}.yaml`, podYaml(name))]);
    const f = k.start(['logs', '-f', name]);
    await f.waitFor(/serving\n/);
    manager.appendLog('default', name, 'one more line');
    await f.waitFor(/serving\none more line\n$/);
    manager.endLog('default', name);
    const r = await f.exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('starting\nready\nserving\none more line\n');
  });

  it('delete pod waits for the pod to be gone', async () => {
    const r = await k.run(['delete', 'pod', applied]);
    expect(r.stdout).toBe(`pod "${applied}" deleted\n`);
    expect(manager.get('default', applied)).toBeUndefined();
  });

  it('delete pod --grace-period=0 --force deletes at once', async () => {
    const r = await k.run(['delete', 'pod', web, '--grace-period=0', '--force']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`pod "${web}" force deleted\n`);
    expect(r.stderr).toContain('Immediate deletion does not wait for confirmation');
    expect(manager.calls.filter((c) => c.method === 'delete').at(-1)?.args).toEqual([
      'default',
      web,
      0,
    ]);
    expect(manager.get('default', web)).toBeUndefined();
  });

  it('get nodes prints the node table', async () => {
    const r = await k.run(['get', 'nodes']);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(row).toMatch(
      new RegExp(`^${NODE}\\s+Ready\\s+standalone\\s+\\d+d\\s+v1\\.33\\.0-capstan$`),
    );
  });

  it('get node N -o json returns the node', async () => {
    const r = await k.run(['get', 'node', NODE, '-o', 'json']);
    const node = JSON.parse(r.stdout);
    expect(node).toMatchObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    expect(node.status.nodeInfo.containerRuntimeVersion).toBe('containerd://1.6.20');
  });

  it('a wrong token is refused', async () => {
    const bad = new Kubectl(release, badKubeconfig, join(dir, `home-bad-${release.name}`));
    const r = await bad.run(['get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server');
  });
});
