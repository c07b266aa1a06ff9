import { once } from 'node:events';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  connectSpdy,
  openPortForward,
  PortForwardError,
  SpdySession,
  spdyPortForward,
  UpgradeFailedError,
} from '../src/index.js';
import { rawWebSocket } from './support/raw-ws.js';
import { ended, startEchoServer, startToy, type Toy } from './support/toy.js';

let toy: Toy;
let echo: { port: number; server: Server };
beforeAll(async () => {
  toy = await startToy();
  echo = await startEchoServer();
});
afterAll(async () => {
  await toy.close();
  echo.server.close();
});

/** Writes `text` and reads until the echo came back. */
async function roundTrip(conn: Duplex, text: string): Promise<string> {
  let got = '';
  const want = `echo:${text}`;
  const done = new Promise<string>((resolve, reject) => {
    const on = (d: Buffer) => {
      got += d.toString();
      if (got.length >= want.length) {
        conn.off('data', on);
        resolve(got);
      }
    };
    conn.on('data', on);
    conn.once('error', reject);
  });
  conn.write(text);
  return done;
}

describe('port-forward over SPDY', () => {
  it('carries several concurrent connections, each on its own stream pair', async () => {
    const { url } = toy.server.getPortForward({ podSandboxId: 'p1' });
    const pf = await openPortForward(url);
    const conns = await Promise.all([1, 2, 3, 4].map(() => pf.connect(echo.port)));
    const replies = await Promise.all(conns.map((c, i) => roundTrip(c, `conn-${i}`)));
    expect(replies).toEqual(['echo:conn-0', 'echo:conn-1', 'echo:conn-2', 'echo:conn-3']);
    for (const c of conns) c.end();
    pf.close();
    await pf.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(ended(toy).at(-1)).toMatchObject({
      kind: 'portforward',
      transport: 'spdy',
      protocol: 'portforward.k8s.io',
    });
  });

  it('reports a refused connection on the error stream', async () => {
    const closed = await startEchoServer();
    closed.server.close();
    await once(closed.server, 'close');
    const pf = await openPortForward(toy.server.getPortForward({ podSandboxId: 'p1' }).url);
    const conn = await pf.connect(closed.port);
    const [err] = (await once(conn, 'error')) as [PortForwardError];
    expect(err).toBeInstanceOf(PortForwardError);
    expect(err.message).toMatch(
      new RegExp(
        `error forwarding port ${closed.port} to pod p1: dial tcp 127.0.0.1:${closed.port}`,
      ),
    );
    pf.close();
  });

  it('forwards only the ports the request named, when it named some', async () => {
    const pf = await openPortForward(
      toy.server.getPortForward({ podSandboxId: 'p1', port: [1] }).url,
    );
    const conn = await pf.connect(echo.port);
    const [err] = (await once(conn, 'error')) as [Error];
    expect(err.message).toMatch(/not one of the forwarded ports 1/);
    pf.close();
  });

  it('pairs the streams of clients that send no requestID by stream ID, as the kubelet does', async () => {
    const { session } = await connectSpdy(toy.server.getPortForward({ podSandboxId: 'p1' }).url, [
      'portforward.k8s.io',
    ]);
    const error = await session.openStream({ streamType: 'error', port: String(echo.port) }); // stream 1
    const data = await session.openStream({ streamType: 'data', port: String(echo.port) }); // stream 3
    error.resume();
    expect(await roundTrip(data, 'legacy')).toBe('echo:legacy');
    session.close();
  });

  it('refuses streams without a valid port or type', async () => {
    const { session } = await connectSpdy(toy.server.getPortForward({ podSandboxId: 'p1' }).url, [
      'portforward.k8s.io',
    ]);
    await expect(
      session.openStream({ streamType: 'data', port: '70000', requestID: '1' }),
    ).rejects.toThrow(/reset/);
    await expect(
      session.openStream({ streamType: 'stdin', port: '80', requestID: '2' }),
    ).rejects.toThrow(/reset/);
    session.close();
  });
});

describe('port-forward over WebSocket', () => {
  it('v4.channel.k8s.io: one connection per port, each channel opened with the port', async () => {
    const second = await startEchoServer();
    try {
      const { url } = toy.server.getPortForward({
        podSandboxId: 'p1',
        port: [echo.port, second.port],
      });
      const pf = await openPortForward(url, {
        transport: 'websocket',
        ports: [echo.port, second.port],
      });
      expect(pf.protocol).toBe('v4.channel.k8s.io');
      const [a, b] = await Promise.all([pf.connect(echo.port), pf.connect(second.port)]);
      expect(await roundTrip(a!, 'first')).toBe('echo:first');
      expect(await roundTrip(b!, 'second')).toBe('echo:second');
      await expect(pf.connect(echo.port)).rejects.toThrow(/already connected/);
      // v4 framing cannot half-close one port: the client ends the session as a whole,
      // and the server stops every forward.
      pf.close();
      await pf.closed;
      await new Promise((r) => setTimeout(r, 50));
      expect(ended(toy).at(-1)).toMatchObject({
        transport: 'websocket',
        protocol: 'v4.channel.k8s.io',
      });
    } finally {
      second.server.close();
    }
  });

  it('takes the ports from ?ports= when the request named none', async () => {
    const { url } = toy.server.getPortForward({ podSandboxId: 'p1' });
    const pf = await openPortForward(url, { transport: 'websocket', ports: [echo.port] });
    expect(await roundTrip(await pf.connect(echo.port), 'q')).toBe('echo:q');
    pf.close();
    const missing = new WebSocket(
      toy.server.getPortForward({ podSandboxId: 'p1' }).url.replace('http', 'ws'),
      ['v4.channel.k8s.io'],
    );
    const [, res] = (await once(missing, 'unexpected-response')) as [
      unknown,
      { statusCode: number },
    ];
    expect(res.statusCode).toBe(400);
  });

  it('v4.base64.channel.k8s.io: text messages, port prefix in base64', async () => {
    const { url } = toy.server.getPortForward({ podSandboxId: 'p1', port: [echo.port] });
    const ws = new WebSocket(url.replace('http', 'ws'), ['v4.base64.channel.k8s.io']);
    const messages: string[] = [];
    ws.on('message', (m: Buffer) => messages.push(m.toString()));
    await once(ws, 'open');
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(echo.port);
    ws.send(`0${Buffer.from('b64').toString('base64')}`);
    for (let i = 0; i < 100 && !messages.some((m) => m.startsWith('0') && m.length > 5); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(messages).toContain(`0${prefix.toString('base64')}`);
    expect(messages).toContain(`1${prefix.toString('base64')}`);
    expect(messages).toContain(`0${Buffer.from('echo:b64').toString('base64')}`);
    ws.close();
  });

  it('SPDY/3.1+portforward.k8s.io: kubectl’s SPDY tunnel inside WebSocket messages', async () => {
    const { url } = toy.server.getPortForward({ podSandboxId: 'p1' });
    const { stream, protocol } = await rawWebSocket(url, 'SPDY/3.1+portforward.k8s.io');
    expect(protocol).toBe('SPDY/3.1+portforward.k8s.io');
    const pf = spdyPortForward(new SpdySession(stream, { role: 'client' }));
    expect(await roundTrip(await pf.connect(echo.port), 'tunnel')).toBe('echo:tunnel');
    pf.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(toy.sessions.some((e) => e.transport === 'spdy-over-websocket')).toBe(true);
  });

  it('a used port-forward URL is refused', async () => {
    const { url } = toy.server.getPortForward({ podSandboxId: 'p1' });
    (await openPortForward(url)).close();
    await expect(openPortForward(url)).rejects.toBeInstanceOf(UpgradeFailedError);
  });
});
