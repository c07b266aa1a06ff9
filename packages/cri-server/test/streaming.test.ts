import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type CriClient, type CriServer, connectCriClient } from '@capstan/cri-api';
import {
  isUpgradeFailed,
  openPortForward,
  openRemoteCommand,
  runRemoteCommand,
} from '@capstan/streaming';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createRuntimeService,
  type RuntimeService,
  type RuntimeServiceOptions,
  serveRuntime,
} from '../src/index.js';
import { MemoryBackend } from './memory-backend.js';
import { StreamingMemoryBackend } from './streaming-backend.js';

let dir: string;
let backend: StreamingMemoryBackend;
let service: RuntimeService;
let server: CriServer;
let cri: CriClient;

async function start(
  b: MemoryBackend = backend,
  streaming?: RuntimeServiceOptions['streaming'],
): Promise<void> {
  service = await createRuntimeService({
    backend: b,
    stateDir: join(dir, 'state'),
    ...(streaming !== undefined ? { streaming } : {}),
  });
  await service.recover();
  server = await serveRuntime(service, join(dir, 'cri.sock'));
  cri = await connectCriClient(join(dir, 'cri.sock'));
}
async function stop(): Promise<void> {
  cri.close();
  await server.close(100);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cri-server-streaming-'));
  backend = new StreamingMemoryBackend();
  await start();
});
afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = async (p: Promise<unknown>) =>
  (
    await p.then(
      () => undefined,
      (e) => e,
    )
  )?.kind;

async function runPod(name = 'web'): Promise<string> {
  const { podSandboxId } = await cri.runtime.runPodSandbox({
    config: { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 } },
  });
  return podSandboxId;
}
async function container(podId: string, name = 'main', run = true): Promise<string> {
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId: podId,
    config: { metadata: { name, attempt: 0 }, image: { image: 'busybox:1' } },
    sandboxConfig: { metadata: { name: 'web', namespace: 'default', uid: 'uid-web', attempt: 0 } },
  });
  if (run) await cri.runtime.startContainer({ containerId });
  return containerId;
}

function readUntil(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${seen}`)), 5_000);
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe('Exec', () => {
  it('hands out a loopback URL that runs the command through the backend, over SPDY and WebSocket', async () => {
    const id = await container(await runPod());
    expect(service.streamingUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const transport of ['spdy', 'websocket'] as const) {
      // An ID prefix is resolved when the URL is handed out: the backend gets the record.
      const { url } = await cri.runtime.exec({
        containerId: id.slice(0, 12),
        cmd: ['fail', '3'],
        stdout: true,
        stderr: true,
      });
      expect(url.startsWith(`${service.streamingUrl}/exec/`)).toBe(true);
      const res = await runRemoteCommand(url, { transport });
      expect(res.stderr.toString()).toBe('failed\n');
      expect(res.exitCode).toBe(3);

      const { url: catUrl } = await cri.runtime.exec({
        containerId: id,
        cmd: ['cat'],
        stdin: true,
        stdout: true,
      });
      const cat = await runRemoteCommand(catUrl, { transport, stdin: 'hello', stderr: false });
      expect(cat.stdout.toString()).toBe('hello');
      expect(cat.exitCode).toBe(0);
    }
    expect(backend.sessions).toEqual([
      `exec ${id} fail 3`,
      `exec ${id} cat`,
      `exec ${id} fail 3`,
      `exec ${id} cat`,
    ]);
  });

  it('passes TTY sessions and their terminal sizes to the backend', async () => {
    const id = await container(await runPod());
    const { url } = await cri.runtime.exec({
      containerId: id,
      cmd: ['tty'],
      stdin: true,
      stdout: true,
      tty: true,
    });
    const s = await openRemoteCommand(url, {
      stdin: true,
      tty: true,
      initialSize: { width: 100, height: 40 },
    });
    const seen = readUntil(s.stdout!, /tty 100x40\r\nabc/);
    s.stdin!.write('abc');
    await seen;
    s.stdin!.end();
    s.stdout!.resume();
    expect((await s.done).exitCode).toBe(0);
  });

  it('rejects unknown, not running and malformed requests with the CRI status codes', async () => {
    const pod = await runPod();
    const running = await container(pod, 'running');
    const created = await container(pod, 'created', false);
    const req = { cmd: ['echo'], stdout: true };
    expect(await codeOf(cri.runtime.exec({ containerId: 'f00d', ...req }))).toBe('not-found');
    expect(await codeOf(cri.runtime.exec({ containerId: '', ...req }))).toBe('invalid-argument');
    expect(await codeOf(cri.runtime.exec({ containerId: created, ...req }))).toBe(
      'failed-precondition',
    );
    const bad = [
      { cmd: ['echo'], tty: true, stdout: true, stderr: true }, // a terminal has no stderr
      { cmd: ['echo'] }, // no stream at all
      { cmd: [], stdout: true },
    ];
    for (const b of bad) {
      expect(await codeOf(cri.runtime.exec({ containerId: running, ...b }))).toBe(
        'invalid-argument',
      );
    }
    await cri.runtime.stopContainer({ containerId: running, timeout: 0n });
    expect(await codeOf(cri.runtime.exec({ containerId: running, ...req }))).toBe(
      'failed-precondition',
    );
    expect(backend.sessions).toEqual([]);
  });

  it('checks the container again when the URL is used: stopped meanwhile is an error Status', async () => {
    const id = await container(await runPod());
    const { url } = await cri.runtime.exec({ containerId: id, cmd: ['echo', 'x'], stdout: true });
    await cri.runtime.stopContainer({ containerId: id, timeout: 0n });
    const res = await runRemoteCommand(url, { stderr: false });
    expect(res.exitCode).toBeNull();
    expect(res.error).toMatch(/not running/);
    expect(backend.sessions).toEqual([]);
  });

  it('aborts the backend session when the client goes away', async () => {
    const id = await container(await runPod());
    const { url } = await cri.runtime.exec({ containerId: id, cmd: ['wait'], stdout: true });
    const s = await openRemoteCommand(url, { stderr: false });
    await expect.poll(() => backend.sessions.length).toBe(1);
    s.close();
    await expect.poll(() => backend.aborted).toBe(1);
  });
});

describe('Attach', () => {
  it('connects the streams to the backend, and checks the container like Exec', async () => {
    const pod = await runPod();
    const id = await container(pod);
    for (const transport of ['spdy', 'websocket'] as const) {
      const { url } = await cri.runtime.attach({ containerId: id, stdin: true, stdout: true });
      const s = await openRemoteCommand(url, { transport, stdin: true, stderr: false });
      const seen = readUntil(s.stdout!, /main: ping/);
      s.stdin!.write('ping');
      await seen;
      s.close();
    }
    expect(backend.sessions).toEqual([`attach ${id}`, `attach ${id}`]);
    const created = await container(pod, 'created', false);
    expect(await codeOf(cri.runtime.attach({ containerId: 'f00d', stdout: true }))).toBe(
      'not-found',
    );
    expect(await codeOf(cri.runtime.attach({ containerId: created, stdout: true }))).toBe(
      'failed-precondition',
    );
    expect(
      await codeOf(cri.runtime.attach({ containerId: id, tty: true, stdout: true, stderr: true })),
    ).toBe('invalid-argument');
    expect(await codeOf(cri.runtime.attach({ containerId: id }))).toBe('invalid-argument');
  });
});

describe('PortForward', () => {
  async function roundTrip(conn: Duplex, line: string): Promise<string> {
    const seen = readUntil(conn, new RegExp(line));
    conn.write(line);
    return seen;
  }

  it('reaches the sandbox through the backend, over SPDY and WebSocket', async () => {
    const pod = await runPod('web');
    for (const transport of ['spdy', 'websocket'] as const) {
      const { url } = await cri.runtime.portForward({ podSandboxId: pod.slice(0, 8), port: [80] });
      const pf = await openPortForward(url, { transport, ports: [80] });
      expect(await roundTrip(await pf.connect(80), 'hi')).toBe('web:80\nhi');
      pf.close();
    }
    expect(backend.sessions).toEqual([`portForward ${pod} 80`, `portForward ${pod} 80`]);
  });

  it('rejects an unknown sandbox, a stopped one and bad ports', async () => {
    const pod = await runPod();
    expect(await codeOf(cri.runtime.portForward({ podSandboxId: 'f00d', port: [80] }))).toBe(
      'not-found',
    );
    expect(await codeOf(cri.runtime.portForward({ podSandboxId: pod, port: [0] }))).toBe(
      'invalid-argument',
    );
    expect(await codeOf(cri.runtime.portForward({ podSandboxId: pod, port: [70000] }))).toBe(
      'invalid-argument',
    );
    await cri.runtime.stopPodSandbox({ podSandboxId: pod });
    expect(await codeOf(cri.runtime.portForward({ podSandboxId: pod, port: [80] }))).toBe(
      'failed-precondition',
    );
  });
});

describe('the streaming server', () => {
  it('is not started for a backend without streaming methods: the RPCs are UNIMPLEMENTED', async () => {
    await stop();
    await start(new MemoryBackend());
    expect(service.streamingUrl).toBeUndefined();
    const pod = await runPod();
    const id = await container(pod);
    expect(await codeOf(cri.runtime.exec({ containerId: id, cmd: ['x'], stdout: true }))).toBe(
      'unimplemented',
    );
    expect(await codeOf(cri.runtime.attach({ containerId: id, stdout: true }))).toBe(
      'unimplemented',
    );
    expect(await codeOf(cri.runtime.portForward({ podSandboxId: pod, port: [1] }))).toBe(
      'unimplemented',
    );
  });

  it('is not started with streaming: false', async () => {
    await stop();
    await start(backend, false);
    expect(service.streamingUrl).toBeUndefined();
    const id = await container(await runPod());
    expect(await codeOf(cri.runtime.exec({ containerId: id, cmd: ['x'], stdout: true }))).toBe(
      'unimplemented',
    );
  });

  it('listens where told, expires URLs after the TTL, and closes with the CRI server', async () => {
    await stop();
    await start(backend, { address: '127.0.0.1', tokenTtlMs: 200 });
    const base = service.streamingUrl!;
    const id = await container(await runPod());
    const { url } = await cri.runtime.exec({ containerId: id, cmd: ['echo'], stdout: true });
    await new Promise((r) => setTimeout(r, 400));
    await expect(runRemoteCommand(url, { stderr: false })).rejects.toSatisfy(
      (err) => isUpgradeFailed(err) && err.statusCode === 404,
    );
    const { url: fresh } = await cri.runtime.exec({
      containerId: id,
      cmd: ['wait'],
      stdout: true,
    });
    const s = await openRemoteCommand(fresh, { stderr: false });
    s.stdout!.resume();
    await expect.poll(() => backend.sessions.length).toBe(1);
    await server.close(100);
    // Closing the CRI server closed the streaming server: the session ended, the port is shut.
    await expect.poll(() => backend.aborted).toBe(1);
    await expect(fetch(base)).rejects.toThrow();
    await start(); // afterEach stops this one
  });

  it('serves https URLs with the given certificate', async () => {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    await stop();
    await start(backend, { tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
    expect(service.streamingUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const id = await container(await runPod());
    const { url } = await cri.runtime.exec({ containerId: id, cmd: ['echo', 'tls'], stdout: true });
    const res = await runRemoteCommand(url, { stderr: false, tls: { ca: cert } });
    expect(res.stdout.toString()).toBe('tls\n');
  });

  it('refuses a malformed address', async () => {
    await expect(
      createRuntimeService({
        backend: new StreamingMemoryBackend(),
        stateDir: join(dir, 'other'),
        streaming: { address: '127.0.0.1:99999' },
      }),
    ).rejects.toThrow(/streaming address/);
  });
});
