import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPodApi, type PodApi } from '../src/api/index.js';
import { FakePodManager } from './fixtures/api/fake-manager.js';

// Requests Node's HTTP parser refuses, and slow clients (slowloris), on both listeners:
// they get a Kubernetes Status like every other error, and are cut off within the limits
// while ordinary requests (and a watch longer than the request limit) are served.

const NODE = 'node-client-errors';
const dir = mkdtempSync(join(tmpdir(), 'pod-api-client-errors-'));
const token = randomBytes(16).toString('hex');
const socket = join(dir, 'api.sock');
let api: PodApi;
let url: URL;
let ca = '';

beforeAll(async () => {
  api = createPodApi({
    manager: new FakePodManager(NODE),
    nodeName: NODE,
    unixSocket: socket,
    tcp: { host: '127.0.0.1', port: 0, token },
    clientLimits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, handshakeTimeoutMs: 1_000 },
  });
  const address = await api.listen();
  url = new URL(address.url!);
  ca = address.certificateAuthority!;
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Via = 'unix' | 'tcp';
const dial = (via: Via): Socket =>
  via === 'unix'
    ? netConnect(socket)
    : tlsConnect({ host: '127.0.0.1', port: Number(url.port), ca, servername: 'localhost' });
const auth = (via: Via) => (via === 'tcp' ? `Authorization: Bearer ${token}\r\n` : '');

/** Writes `parts` (`gapMs` apart, until the server closes); what came back, and when. */
function exchange(via: Via, parts: string[], gapMs = 0): Promise<{ raw: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = dial(via);
    let raw = '';
    let closed = false;
    s.on('data', (c: Buffer) => (raw += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      resolve({ raw, ms: Date.now() - t0 });
    });
    s.once(via === 'unix' ? 'connect' : 'secureConnect', async () => {
      for (const p of parts) {
        if (closed) return;
        s.write(p);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

function expectStatus(raw: string, code: number) {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${code} `));
  expect(head.toLowerCase()).toContain('content-type: application/json');
  expect(JSON.parse(body)).toMatchObject({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
  });
}

describe.each(['unix', 'tcp'] as const)('over %s', (via) => {
  it('a request the parser refuses gets a 400 Status', async () => {
    for (const bad of [
      `GET /api/v1/pods HTTP/9.9\r\nHost: x\r\n${auth(via)}\r\n`,
      `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${auth(via)}X-A: b\rc\r\n\r\n`,
      `POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n${auth(via)}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      // HTTP/1.1 without Host (Node answers it itself, bare, unless told not to).
      `GET /api/v1/pods HTTP/1.1\r\n${auth(via)}Connection: close\r\n\r\n`,
      `GET /api/v1/namespaces/default/pods/x/exec?command=true&stdout=1 HTTP/1.1\r\n${auth(via)}Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`,
    ]) {
      expectStatus((await exchange(via, [bad])).raw, 400);
    }
  });

  it('headers over the limit get a 431 Status', async () => {
    const r = await exchange(via, [
      `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${auth(via)}X-Big: ${'h'.repeat(100_000)}\r\n\r\n`,
    ]);
    expectStatus(r.raw, 431);
  });

  it('a client that trickles its headers is cut off with a 408 Status after headersTimeoutMs', async () => {
    const head = `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${auth(via)}`;
    const r = await exchange(
      via,
      [head, ...Array.from({ length: 60 }, (_, i) => `X-Slow-${i}: y\r\n`)],
      200,
    );
    expectStatus(r.raw, 408);
    expect(r.ms).toBeLessThan(8_000);
  });

  it('a client that trickles its body is cut off after requestTimeoutMs; others are served meanwhile', async () => {
    const head = `POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n${auth(via)}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const slow = exchange(via, [head, ...Array.from({ length: 100 }, () => ' ')], 200);
    const other = await exchange(via, [
      `GET /version HTTP/1.1\r\nHost: x\r\n${auth(via)}Connection: close\r\n\r\n`,
    ]);
    expect(other.raw).toMatch(/^HTTP\/1\.1 200 /);
    const r = await slow;
    expect(r.ms).toBeLessThan(10_000);
    expect(r.raw === '' || /^HTTP\/1\.1 408 /.test(r.raw)).toBe(true);
  });

  it('a watch outlives requestTimeoutMs (the limit is on receiving the request only)', async () => {
    const r = await exchange(via, [
      `GET /api/v1/pods?watch=1&timeoutSeconds=4 HTTP/1.1\r\nHost: x\r\n${auth(via)}Connection: close\r\n\r\n`,
    ]);
    expect(r.raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.ms).toBeGreaterThanOrEqual(3_500);
  });
});

it('a TCP connection that never starts TLS is closed after handshakeTimeoutMs', async () => {
  const t0 = Date.now();
  const s = netConnect(Number(url.port), '127.0.0.1');
  s.on('error', () => {});
  await new Promise((r) => s.once('close', r));
  expect(Date.now() - t0).toBeLessThan(8_000);
});
