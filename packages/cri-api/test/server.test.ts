import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  type CallRecord,
  ContainerEventType,
  type CriClient,
  type CriServer,
  connectCriClient,
  createCriClient,
  createCriServer,
  DeadlineExceededError,
  FailedPreconditionError,
  GrpcStatus,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
  VersionRequest,
  VersionResponse,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cri-api-server-'));
const sock = join(dir, 'cri.sock');
const calls: CallRecord[] = [];
let server: CriServer;
let client: CriClient;
let stopAbortReason: unknown;

beforeAll(async () => {
  server = createCriServer({
    runtime: {
      version: (req) => ({
        version: '0.1.0',
        runtimeName: `capstan-test:${req.version}`,
        runtimeVersion: '1.2.3',
        runtimeApiVersion: 'v1',
      }),
      podSandboxStatus: (req) => {
        throw new NotFoundError(`pod sandbox ${req.podSandboxId} not found`);
      },
      removePodSandbox: () => {
        throw new Error('disk on fire');
      },
      stopContainer: async (req, ctx) => {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, Number(req.timeout) * 1000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            stopAbortReason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
        return {};
      },
      getContainerEvents: async function* () {
        for (let i = 0; i < 3; i++) {
          yield {
            containerId: `c${i}`,
            containerEventType: ContainerEventType.CONTAINER_STARTED_EVENT,
            createdAt: 1_764_000_000_000_000_000n + BigInt(i),
          };
        }
      },
      listContainers: (req) => ({
        containers: [{ id: req.filter?.id ?? 'none', labels: req.filter?.labelSelector ?? {} }],
      }),
    },
    image: {
      listImages: () => ({ images: [{ id: 'sha256:abc', repoTags: ['x:1'], size: 42n }] }),
    },
    onCall: (r) => calls.push(r),
  });
  await server.listen(`unix://${sock}`);
  client = await connectCriClient(`unix://${sock}`);
});

afterAll(async () => {
  client?.close();
  await server?.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

describe('CRI server and client over a unix socket', () => {
  it('answers a typed call and reports it to onCall', async () => {
    const res = await client.runtime.version({ version: '0.1.0' });
    expect(res).toEqual({
      version: '0.1.0',
      runtimeName: 'capstan-test:0.1.0',
      runtimeVersion: '1.2.3',
      runtimeApiVersion: 'v1',
    });
    const rec = calls.find((c) => c.path === '/runtime.v1.RuntimeService/Version');
    expect(rec?.code).toBe(GrpcStatus.OK);
    expect(rec?.apiVersion).toBe('v1');
  });

  it('creates the socket with mode 0660', () => {
    expect(statSync(sock).mode & 0o777).toBe(0o660);
  });

  it('passes maps, nested filters and int64 values through', async () => {
    const res = await client.runtime.listContainers({
      filter: { id: 'abc', labelSelector: { app: 'web', tier: 'front' } },
    });
    expect(res.containers[0]).toMatchObject({ id: 'abc', labels: { app: 'web', tier: 'front' } });
    const images = await client.image.listImages({});
    expect(images.images[0]?.size).toBe(42n);
  });

  it('serves runtime.v1alpha2 with the same handlers', async () => {
    const old = createCriClient(`unix://${sock}`, { apiVersion: 'v1alpha2' });
    try {
      const res = await old.runtime.version({ version: 'alpha' });
      expect(res.runtimeName).toBe('capstan-test:alpha');
      expect(calls.some((c) => c.path === '/runtime.v1alpha2.RuntimeService/Version')).toBe(true);
    } finally {
      old.close();
    }
  });

  it('maps typed errors to status codes and back', async () => {
    const err = await client.runtime.podSandboxStatus({ podSandboxId: 'nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain('pod sandbox nope not found');
    expect(err.message).toContain(sock);
  });

  it("tells the client's onCallEnd each call's name, duration and typed error", async () => {
    const ended: { method: string; ms: number; kind: string | undefined }[] = [];
    const observed = await connectCriClient(`unix://${sock}`, {
      onCallEnd: (method, ms, error) => ended.push({ method, ms, kind: error?.kind }),
    });
    try {
      await observed.runtime.version({ version: '0.1.0' });
      await observed.runtime.podSandboxStatus({ podSandboxId: 'nope' }).catch(() => {});
    } finally {
      observed.close();
    }
    expect(ended.map((e) => [e.method, e.kind])).toEqual([
      ['Version', undefined],
      ['PodSandboxStatus', 'not-found'],
    ]);
    for (const e of ended) expect(e.ms).toBeGreaterThan(0);
  });

  it('turns an untyped exception into INTERNAL', async () => {
    const err = await client.runtime.removePodSandbox({ podSandboxId: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toContain('disk on fire');
  });

  it('answers UNIMPLEMENTED for a method with no handler', async () => {
    const err = await client.runtime.status({}).catch((e) => e);
    expect(err).toBeInstanceOf(UnimplementedError);
    const img = await client.image.pullImage({ image: { image: 'x' } }).catch((e) => e);
    expect(img).toBeInstanceOf(UnimplementedError);
  });

  it('enforces per-call deadlines and tells the handler', async () => {
    const err = await client.runtime
      .stopContainer({ containerId: 'c', timeout: 30n }, { deadlineMs: 200 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    await expect.poll(() => stopAbortReason).toBeInstanceOf(DeadlineExceededError);
  });

  it('streams server-streaming responses', async () => {
    const events = [];
    for await (const e of client.runtime.getContainerEvents({})) events.push(e);
    expect(events.map((e) => e.containerId)).toEqual(['c0', 'c1', 'c2']);
    expect(events[2]?.createdAt).toBe(1_764_000_000_000_000_002n);
  });
});

describe('bad input', () => {
  it('answers INVALID_ARGUMENT to bytes that do not decode, and keeps serving', async () => {
    const raw = createCriClient(`unix://${sock}`);
    const { Client, credentials, Metadata } = await import('@grpc/grpc-js');
    const grpc = new Client(`unix://${sock}`, credentials.createInsecure());
    // Field 1 (string) claims 100 bytes but the message ends after 2.
    const garbage = Buffer.from([0x0a, 0x64, 0x41, 0x42]);
    const err = await new Promise<{ code: number; details: string }>((resolve) => {
      grpc.makeUnaryRequest(
        '/runtime.v1.RuntimeService/Version',
        (b: Buffer) => b,
        (b: Buffer) => b,
        garbage,
        new Metadata(),
        {},
        (e) => resolve(e as never),
      );
    });
    grpc.close();
    expect(err.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(err.details).toContain('does not decode');
    expect((await raw.runtime.version({})).runtimeVersion).toBe('1.2.3');
    raw.close();
  });

  it('answers RESOURCE_EXHAUSTED to an oversized message, and keeps serving', async () => {
    const big = 'x'.repeat(17 * 1024 * 1024);
    const c = createCriClient(`unix://${sock}`, { maxMessageBytes: 64 * 1024 * 1024 });
    const err = await c.runtime.version({ version: big }).catch((e) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
    expect((await c.runtime.version({})).runtimeVersion).toBe('1.2.3');
    c.close();
  });

  it('serves a request whose :authority is the socket path (old Go CRI clients)', async () => {
    const session = h2connect('http://localhost', {
      createConnection: () => createConnection(sock),
    });
    const body = Buffer.from(VersionRequest.encode({ version: 'old-kubelet' }).finish());
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    const req = session.request({
      ':method': 'POST',
      ':path': '/runtime.v1.RuntimeService/Version',
      ':authority': sock,
      ':scheme': 'http',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => {
      grpcStatus = String(t['grpc-status']);
    });
    req.end(frame);
    await new Promise((resolve, reject) => {
      req.on('close', resolve);
      req.on('error', reject);
    });
    session.close();
    expect(grpcStatus).toBe('0');
    const payload = Buffer.concat(chunks).subarray(5);
    expect(VersionResponse.decode(payload).runtimeName).toBe('capstan-test:old-kubelet');
  });

  it('names the endpoint when nothing listens', async () => {
    const missing = join(dir, 'missing.sock');
    const err = await connectCriClient(`unix://${missing}`, { timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain(missing);
  });

  it('rejects malformed endpoints with a typed error', () => {
    expect(() => createCriClient('unix://relative/path')).toThrow(InvalidArgumentError);
    expect(() => createCriClient('nohostport')).toThrow(InvalidArgumentError);
  });
});

describe('listening', () => {
  const extra: CriServer[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((s) => s.close(100)));
  });

  it('refuses a socket another server is listening on', async () => {
    const other = createCriServer({});
    extra.push(other);
    const err = await other.listen(`unix://${sock}`).catch((e) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect((await client.runtime.version({})).runtimeVersion).toBe('1.2.3');
  });

  it('replaces a stale socket file', async () => {
    const stale = join(dir, 'stale.sock');
    // A process that bound the socket and died leaves the file behind with nobody listening.
    execFileSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      stale,
    ]);
    expect(existsSync(stale)).toBe(true);
    const s = createCriServer({ runtime: { version: () => ({ runtimeName: 'fresh' }) } });
    extra.push(s);
    await s.listen(stale);
    const c = await connectCriClient(stale);
    expect((await c.runtime.version({})).runtimeName).toBe('fresh');
    c.close();
  });

  it('refuses to replace a path that is not a socket, and leaves it alone', async () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'precious');
    const s = createCriServer({});
    extra.push(s);
    const err = await s.listen(`unix://${file}`).catch((e) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(readFileSync(file, 'utf8')).toBe('precious');
  });

  it('listens on loopback TCP as host:port', async () => {
    const s = createCriServer({ runtime: { version: () => ({ runtimeName: 'tcp' }) } });
    extra.push(s);
    const ep = await s.listen('127.0.0.1:0');
    expect(ep.kind === 'tcp' && ep.port > 0).toBe(true);
    const c = await connectCriClient(ep.uri);
    expect((await c.runtime.version({})).runtimeName).toBe('tcp');
    c.close();
  });

  it('closes while a client stays connected', async () => {
    const sockPath = join(dir, 'busy.sock');
    const s = createCriServer({ runtime: { version: () => ({ runtimeName: 'busy' }) } });
    await s.listen(sockPath);
    const c = await connectCriClient(sockPath);
    expect((await c.runtime.version({})).runtimeName).toBe('busy');
    await s.close(500); // resolves although the client never disconnects
    expect(existsSync(sockPath)).toBe(false);
    c.close();
  });

  it('shuts down gracefully on SIGTERM and removes its socket', async () => {
    const childSock = join(dir, 'child.sock');
    const script = `
      import { createCriServer } from '@capstan/cri-api';
      const s = createCriServer({ runtime: { version: () => ({ runtimeName: 'child' }) } });
      await s.listen(process.argv[1]);
      s.closeOnSignals(['SIGTERM'], 2000);
      process.stdout.write('ready\\n');
    `;
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script, childSock],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    const c = await connectCriClient(childSock);
    expect((await c.runtime.version({})).runtimeName).toBe('child');
    c.close();
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(childSock)).toBe(false);
  });
});
