import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  ResourceExhaustedError,
} from '@capstan/cri-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeRequest } from '../src/client-connect.js';
import {
  createStreamingServer,
  LocalProcessRuntime,
  runRemoteCommand,
  UpgradeFailedError,
} from '../src/index.js';
import { FrameDecoder, GoAwayStatus } from '../src/spdy-frame.js';
import { startToy, type Toy } from './support/toy.js';

let toy: Toy;
beforeAll(async () => {
  toy = await startToy({ maxInFlightTokens: 50 });
});
afterAll(() => toy.close());

const echoUrl = () =>
  toy.server.getExec({ containerId: 'c1', cmd: ['echo', 'ok'], stdout: true }).url;
const run = (url: string, transport: 'spdy' | 'websocket' = 'spdy') =>
  runRemoteCommand(url, { transport, stderr: false });

describe('streaming URLs', () => {
  it('listen on loopback by default, under /exec, /attach and /portforward', () => {
    expect(toy.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(echoUrl()).toMatch(new RegExp(`^${toy.base}/exec/[A-Za-z0-9_-]{22}$`));
    expect(toy.server.getAttach({ containerId: 'c1', stdout: true }).url).toContain('/attach/');
    expect(toy.server.getPortForward({ podSandboxId: 'p1' }).url).toContain('/portforward/');
  });

  for (const transport of ['spdy', 'websocket'] as const) {
    it(`${transport}: work once; a used, unknown or expired token gets 404`, async () => {
      const url = echoUrl();
      expect((await run(url, transport)).stdout.toString()).toBe('ok\n');
      await expect(run(url, transport)).rejects.toMatchObject({ statusCode: 404 });
      await expect(run(`${toy.base}/exec/unknowntoken`, transport)).rejects.toMatchObject({
        statusCode: 404,
      });
      // A token for one kind does not open another.
      const attachUrl = toy.server.getAttach({ containerId: 'c1', stdout: true }).url;
      await expect(run(attachUrl.replace('/attach/', '/exec/'), transport)).rejects.toMatchObject({
        statusCode: 404,
      });
    });
  }

  it('expire after their TTL', async () => {
    const short = await startToy({ tokenTtlMs: 50 });
    try {
      const url = short.server.getExec({ containerId: 'c1', cmd: ['true'], stdout: true }).url;
      await new Promise((r) => setTimeout(r, 100));
      const err = await run(url).catch((e) => e);
      expect(err).toBeInstanceOf(UpgradeFailedError);
      expect(err.statusCode).toBe(404);
    } finally {
      await short.close();
    }
  });

  it('answer a plain GET with 400 (and the token is spent), unknown paths with 404', async () => {
    const url = echoUrl();
    const res = await fetch(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/missing upgrade headers/);
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(`${toy.base}/metrics`)).status).toBe(404);
  });

  it('validate requests with INVALID_ARGUMENT and cap outstanding URLs with RESOURCE_EXHAUSTED', async () => {
    expect(() =>
      toy.server.getExec({ containerId: 'c1', cmd: ['ls'], tty: true, stderr: true }),
    ).toThrow(InvalidArgumentError);
    const many = await startToy({ maxInFlightTokens: 3 });
    try {
      for (let i = 0; i < 3; i++)
        many.server.getExec({ containerId: 'c1', cmd: ['true'], stdout: true });
      expect(() => many.server.getExec({ containerId: 'c1', cmd: ['true'], stdout: true })).toThrow(
        ResourceExhaustedError,
      );
    } finally {
      await many.close();
    }
    const idle = createStreamingServer({ runtime: new LocalProcessRuntime() });
    expect(() => idle.getExec({ containerId: 'c', cmd: ['ls'], stdout: true })).toThrow(
      FailedPreconditionError,
    );
  });
});

describe('robustness', () => {
  it('closes a connection that sends malformed SPDY with GOAWAY, and keeps serving', async () => {
    const url = echoUrl();
    const { socket, head } = await upgradeRequest(url, {
      upgradeHeaders: { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
    });
    const decoder = new FrameDecoder();
    const frames = decoder.push(head);
    socket.on('data', (d: Buffer) => frames.push(...decoder.push(d)));
    socket.write(Buffer.from([0x80, 3, 0, 7, 0, 0, 0, 2, 0, 0])); // GOAWAY of 2 bytes
    await new Promise((r) => socket.once('close', r));
    expect(frames.find((f) => f.type === 'goaway')).toMatchObject({
      status: GoAwayStatus.PROTOCOL_ERROR,
    });
    expect((await run(echoUrl())).exitCode).toBe(0);
  });

  it('survives a client that disconnects in the middle of the upgrade', async () => {
    const url = echoUrl();
    const { socket } = await upgradeRequest(url, {
      upgradeHeaders: { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
    });
    socket.destroy();
    expect((await run(echoUrl(), 'websocket')).exitCode).toBe(0);
  });
});

describe('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streaming-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves https URLs over SPDY and WebSocket with the given certificate', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const secure = await startToy({ tls: { key: readFileSync(join(dir, 'key.pem')), cert } });
    try {
      expect(secure.base).toMatch(/^https:\/\/127\.0\.0\.1:/);
      for (const transport of ['spdy', 'websocket'] as const) {
        const url = secure.server.getExec({
          containerId: 'c1',
          cmd: ['echo', 'secret'],
          stdout: true,
        }).url;
        const res = await runRemoteCommand(url, { transport, stderr: false, tls: { ca: cert } });
        expect(res.stdout.toString()).toBe('secret\n');
      }
      const url = secure.server.getExec({ containerId: 'c1', cmd: ['true'], stdout: true }).url;
      await expect(runRemoteCommand(url, { stderr: false })).rejects.toThrow(
        /self.signed|certificate/i,
      );
    } finally {
      await secure.close();
    }
  });
});

describe('embedding', () => {
  it('serves upgrades handed over by another HTTP server (baseUrl)', async () => {
    const host = createServer((_req, res) => res.writeHead(418).end());
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}/streaming`;
    const embedded = createStreamingServer({
      runtime: new LocalProcessRuntime().addContainer('c'),
      baseUrl: base,
    });
    host.on('upgrade', (req, socket, head) => embedded.handleUpgrade(req, socket, head));
    try {
      const { url } = embedded.getExec({
        containerId: 'c',
        cmd: ['echo', 'embedded'],
        stdout: true,
      });
      expect(url.startsWith(`${base}/exec/`)).toBe(true);
      for (const transport of ['spdy', 'websocket'] as const) {
        const u = embedded.getExec({
          containerId: 'c',
          cmd: ['echo', 'embedded'],
          stdout: true,
        }).url;
        expect((await runRemoteCommand(u, { transport, stderr: false })).stdout.toString()).toBe(
          'embedded\n',
        );
      }
    } finally {
      await embedded.close();
      host.close();
      host.closeAllConnections();
    }
  });
});
