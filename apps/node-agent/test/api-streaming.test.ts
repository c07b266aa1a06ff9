import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CriClient,
  connectCriClient,
  NamespaceMode,
  PodSandboxConfig,
} from '@capstan/cri-api';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPodApi, type PodApi } from '../src/api/index.js';
import { FakePodManager } from './fixtures/api/fake-manager.js';
import { KUBECTLS, Kubectl } from './fixtures/api/kubectl.js';

// exec, attach and port-forward from real kubectl releases through the pod API to the
// real CRI streaming server of a private containerd (host network, so its streaming
// server and the pod's ports are on this netns' loopback). kubectl 1.27 speaks SPDY;
// later releases try WebSocket first, which containerd 1.6 refuses, and fall back to
// SPDY with a fresh streaming URL.

const env = inject('testenv');
const NODE = 'node-streaming';
const dir = mkdtempSync(join(tmpdir(), 'pod-api-streaming-'));
const manager = new FakePodManager(NODE);
let api: PodApi;
let cri: CriClient;
let sandboxId = '';
let sandboxConfig: PodSandboxConfig;
let httpPort = 0;
const kubeconfig = join(dir, 'kubeconfig');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startContainer(
  name: string,
  image: string,
  command: string[],
  stdin = false,
): Promise<string> {
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId: sandboxId,
    config: {
      metadata: { name, attempt: 0 },
      image: { image },
      command,
      stdin,
      stdinOnce: stdin,
      logPath: `${name}.log`,
      linux: {},
    },
    sandboxConfig,
  });
  await cri.runtime.startContainer({ containerId });
  return containerId;
}

const busybox = () => env.images.busybox.ref;

beforeAll(async () => {
  cri = await connectCriClient(env.containerd.address, { deadlineMs: 120_000 });
  await cri.image.pullImage({ image: { image: env.images.busybox.ref } });
  await cri.image.pullImage({ image: { image: env.images.httpd.ref } });
  sandboxConfig = PodSandboxConfig.fromPartial({
    metadata: {
      name: 'pod-api-streaming',
      uid: `uid-${randomBytes(6).toString('hex')}`,
      namespace: 'pod-api-test',
      attempt: 0,
    },
    logDirectory: join(dir, 'logs'),
    linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } },
  });
  ({ podSandboxId: sandboxId } = await cri.runtime.runPodSandbox({ config: sandboxConfig }));
  httpPort = await freePort();
  const main = await startContainer('main', busybox(), ['sleep', '3600']);
  const web = await startContainer('web', env.images.httpd.ref, [
    'httpd',
    '-f',
    '-p',
    String(httpPort),
    '-h',
    '/www',
  ]);
  manager.bindStreams('default', 'shell', {
    cri,
    sandboxId,
    containers: new Map([
      ['main', main],
      ['web', web],
    ]),
  });
  await manager.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'shell', namespace: 'default' },
    spec: {
      nodeName: NODE,
      hostNetwork: true,
      containers: [
        { name: 'main', image: busybox(), command: ['sleep', '3600'] },
        { name: 'web', image: env.images.httpd.ref, ports: [{ containerPort: httpPort }] },
      ],
    },
  });
  api = createPodApi({
    manager,
    nodeName: NODE,
    tcp: { host: '127.0.0.1', port: 0, token: randomBytes(16).toString('hex') },
    unixSocket: join(dir, 'api.sock'),
  });
  await api.listen();
  await api.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await api?.close();
  if (sandboxId) {
    await cri.runtime.stopPodSandbox({ podSandboxId: sandboxId }).catch(() => {});
    await cri.runtime.removePodSandbox({ podSandboxId: sandboxId }).catch(() => {});
  }
  cri?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(KUBECTLS)('kubectl $name', (release) => {
  const k = new Kubectl(release, kubeconfig, join(dir, `home-${release.name}`));
  const slug = release.name.replace('.', '');

  it('exec X -- echo hi', async () => {
    const before = manager.calls.length;
    const r = await k.run(['exec', 'shell', '-c', 'main', '--', 'echo', 'hi']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(0);
    // kubectl >= 1.30 asks for WebSocket (v5.channel.k8s.io) first; containerd 1.6 refuses
    // it and kubectl retries with SPDY: each attempt gets its own streaming URL.
    const execs = manager.calls.slice(before).filter((c) => c.method === 'exec');
    expect(execs.length).toBe(release.name === '1.27' ? 1 : 2);
  });

  it('exec passes the exit code and stderr back', async () => {
    const r = await k.run([
      'exec',
      'shell',
      '-c',
      'main',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.code).toBe(3);
  });

  it('exec -i X -- cat copies stdin', async () => {
    const r = await k.run(['exec', '-i', 'shell', '-c', 'main', '--', 'cat'], {
      input: `piped through ${slug}\n`,
    });
    expect(r.stdout).toBe(`piped through ${slug}\n`);
    expect(r.code).toBe(0);
  });

  it('exec -it runs a shell on a TTY', async () => {
    const sh = k.start(['exec', '-it', 'shell', '-c', 'main', '--', 'sh'], { tty: true });
    try {
      sh.proc.stdin?.write('echo "tty=$(tty)"\n');
      await sh.waitFor(/tty=\/dev\/pts\/\d+/);
      sh.proc.stdin?.write('exit 0\n');
      const r = await sh.exited;
      expect(r.code).toBe(0);
    } finally {
      await sh.stop();
    }
  });

  it('attach -i sends stdin to the container and ends with it', async () => {
    const id = await startContainer(`cat-${slug}`, busybox(), ['cat'], true);
    const name = `attach-${slug}`;
    manager.bindStreams('default', name, { cri, sandboxId, containers: new Map([['cat', id]]) });
    await manager.create({
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: NODE,
        containers: [{ name: 'cat', image: busybox(), stdin: true, stdinOnce: true }],
      },
    });
    const r = await k.run(['attach', '-i', name, '-c', 'cat'], { input: `attached ${slug}\n` });
    expect(r.stdout).toBe(`attached ${slug}\n`);
    expect(r.code).toBe(0);
  });

  it('port-forward pod/X 0:PORT reaches the pod port', async () => {
    const before = manager.calls.length;
    const pf = k.start(['port-forward', 'pod/shell', `0:${httpPort}`]);
    try {
      const m = await pf.waitFor(
        new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${httpPort}`),
      );
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`http://127.0.0.1:${m[1]}/`);
        expect(await res.text()).toBe('capstan httpd ok\n');
      }
      // One session carries both connections (plus a refused WebSocket try after 1.27).
      const forwards = manager.calls.slice(before).filter((c) => c.method === 'portForward');
      expect(forwards.length).toBe(release.name === '1.27' ? 1 : 2);
    } finally {
      await pf.stop();
    }
  });

  it('exec into a pod the runtime cannot reach reports the manager error', async () => {
    await manager.create({
      metadata: { name: `orphan-${slug}`, namespace: 'default' },
      spec: { nodeName: NODE, containers: [{ name: 'main', image: busybox() }] },
    });
    const r = await k.run(['exec', `orphan-${slug}`, '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pod default/orphan-${slug} has no runtime behind it`);
  });
});
