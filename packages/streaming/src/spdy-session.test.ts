import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SpdyProtocolError, StreamResetError } from './errors.js';
import {
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynStream,
  FrameDecoder,
  GoAwayStatus,
  RstStatus,
  SettingId,
  type SpdyFrame,
} from './spdy-frame.js';
import { HeaderCompressor } from './spdy-header-block.js';
import { SpdySession, type SpdySessionOptions } from './spdy-session.js';
import type { SpdyStream } from './spdy-stream.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({
    port: (server.address() as AddressInfo).port,
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  const [accepted] = (await once(server, 'connection')) as [Socket];
  server.close();
  cleanups.push(() => {
    client.destroy();
    accepted.destroy();
  });
  return [client, accepted];
}

async function sessions(
  server: Partial<SpdySessionOptions> = {},
  client: Partial<SpdySessionOptions> = {},
) {
  const [a, b] = await socketPair();
  return {
    client: new SpdySession(a, { role: 'client', ...client }),
    server: new SpdySession(b, { role: 'server', ...server }),
  };
}

/** A hand-driven peer: writes raw frames, collects the frames it gets back. */
async function rawPeer(opts: Partial<SpdySessionOptions> = {}) {
  const [raw, b] = await socketPair();
  const server = new SpdySession(b, { role: 'server', ...opts });
  const frames: SpdyFrame[] = [];
  const decoder = new FrameDecoder();
  raw.on('data', (d) => frames.push(...decoder.push(d)));
  const compressor = new HeaderCompressor();
  cleanups.push(() => compressor.close());
  return {
    server,
    raw,
    frames,
    async syn(id: number, headers: Record<string, string>) {
      raw.write(encodeSynStream(id, await compressor.compress(headers)));
    },
    waitFor: async (pred: (f: SpdyFrame) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const f = frames.find(pred);
        if (f) return f;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`frame not seen; got ${frames.map((f) => f.type).join(',')}`);
    },
  };
}

function collect(s: SpdyStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  return once(s, 'end').then(() => Buffer.concat(chunks));
}

describe('SpdySession', () => {
  it('carries 4 MiB each way on one stream under flow control with small windows', async () => {
    const { client, server } = await sessions(
      { initialWindow: 16 * 1024 },
      { initialWindow: 16 * 1024 },
    );
    server.on('stream', (s: SpdyStream) => {
      s.accept();
      s.pipe(s);
    });
    const s = await client.openStream({ streamType: 'data' });
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const echoed = collect(s);
    s.end(payload);
    expect((await echoed).equals(payload)).toBe(true);
    client.close();
    await server.closed;
  });

  it('sends past the default window to a peer that never does flow control (Go spdystream)', async () => {
    const peer = await rawPeer();
    peer.server.on('stream', (s: SpdyStream) => {
      s.accept();
      s.end(Buffer.alloc(300 * 1024, 1));
    });
    await peer.syn(1, { streamtype: 'stdout' });
    await peer.waitFor((f) => f.type === 'data' && f.fin);
    const bytes = peer.frames
      .filter((f) => f.type === 'data')
      .reduce((n, f) => n + (f as { data: Buffer }).data.length, 0);
    expect(bytes).toBe(300 * 1024);
    expect(peer.frames.some((f) => f.type === 'syn_reply')).toBe(true);
  });

  it('credits windows only to a peer that does flow control, in one write per half window', async () => {
    const peer = await rawPeer();
    const got: Buffer[] = [];
    peer.server.on('stream', (s: SpdyStream) => {
      s.accept();
      s.on('data', (d: Buffer) => got.push(d));
    });
    const received = async (n: number) => {
      while (got.reduce((t, d) => t + d.length, 0) < n) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
    };
    const updates = () => peer.frames.filter((f) => f.type === 'window_update' && f.streamId !== 0);
    // Go's spdystream: no SETTINGS, no WINDOW_UPDATE. It gets no credit (it would ignore it,
    // and a write after its server closed the connection costs the frames still unread).
    await peer.syn(1, { streamtype: 'stdout' });
    await peer.waitFor((f) => f.type === 'syn_reply');
    peer.raw.write(encodeData(1, Buffer.alloc(100 * 1024, 1), false));
    await received(100 * 1024);
    expect(updates()).toEqual([]);
    // A peer that says it counts windows gets credit, per 32 KiB consumed, not per chunk.
    peer.raw.write(encodeSettings([{ id: SettingId.INITIAL_WINDOW_SIZE, flags: 0, value: 65536 }]));
    for (let i = 0; i < 8; i++) peer.raw.write(encodeData(1, Buffer.alloc(1024, 2), false));
    await received(108 * 1024);
    expect(updates()).toEqual([]);
    peer.raw.write(encodeData(1, Buffer.alloc(40 * 1024, 3), false));
    await received(148 * 1024);
    expect(updates()).toEqual([{ type: 'window_update', streamId: 1, delta: 48 * 1024 }]);
  });

  it('answers pings in both directions', async () => {
    const { client, server } = await sessions();
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    expect(await server.ping()).toBeGreaterThanOrEqual(0);
  });

  it('resets a stream with a bad ID, and answers DATA on an unknown stream with INVALID_STREAM', async () => {
    const peer = await rawPeer();
    peer.server.on('stream', (s: SpdyStream) => s.accept());
    await peer.syn(2, { streamtype: 'x' }); // even: a server ID
    expect(await peer.waitFor((f) => f.type === 'rst_stream')).toMatchObject({
      streamId: 2,
      status: RstStatus.PROTOCOL_ERROR,
    });
    peer.raw.write(encodeData(9, Buffer.from('x'), false));
    expect(await peer.waitFor((f) => f.type === 'rst_stream' && f.streamId === 9)).toMatchObject({
      status: RstStatus.INVALID_STREAM,
    });
    expect(peer.server.isClosed).toBe(false);
  });

  it('closes with GOAWAY PROTOCOL_ERROR and a SpdyProtocolError on a malformed frame, without throwing', async () => {
    const peer = await rawPeer();
    peer.raw.write(Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 4, 0, 0, 0, 1])); // RST_STREAM of 4 bytes
    const err = await peer.server.closed;
    expect(err).toBeInstanceOf(SpdyProtocolError);
    expect(await peer.waitFor((f) => f.type === 'goaway')).toMatchObject({
      status: GoAwayStatus.PROTOCOL_ERROR,
    });
  });

  it('closes on a header block that does not decompress', async () => {
    const peer = await rawPeer();
    peer.server.on('stream', () => {});
    peer.raw.write(encodeSynStream(1, Buffer.from('definitely not zlib')));
    expect(await peer.server.closed).toBeInstanceOf(SpdyProtocolError);
  });

  it('echoes the peer’s pings and drops a stream quietly when the peer resets it', async () => {
    const peer = await rawPeer();
    const got = new Promise<SpdyStream>((r) => peer.server.on('stream', r));
    peer.raw.write(encodePing(5));
    expect(await peer.waitFor((f) => f.type === 'ping')).toEqual({ type: 'ping', id: 5 });
    await peer.syn(1, { streamtype: 'stdin' });
    const s = await got;
    s.accept();
    let errored = false;
    s.on('error', () => {
      errored = true;
    });
    peer.raw.write(encodeRstStream(1, RstStatus.CANCEL));
    await once(s, 'close');
    expect(s.resetStatus).toBe(RstStatus.CANCEL);
    s.write('dropped'); // no throw, no 'error'
    await new Promise((r) => setTimeout(r, 20));
    expect(errored).toBe(false);
  });

  it('rejects openStream when the peer refuses it or has gone away', async () => {
    const { client, server } = await sessions();
    server.on('stream', (s: SpdyStream) => s.reset(RstStatus.REFUSED_STREAM));
    await expect(client.openStream({ streamType: 'x' })).rejects.toBeInstanceOf(StreamResetError);
    const peer = await rawPeer();
    peer.raw.write(encodeGoAway(0, GoAwayStatus.OK));
    await new Promise((r) => setTimeout(r, 50));
    await expect(peer.server.openStream({ a: 'b' })).rejects.toBeInstanceOf(StreamResetError);
  });

  it('refuses streams beyond maxConcurrentStreams', async () => {
    const peer = await rawPeer({ maxConcurrentStreams: 1 });
    peer.server.on('stream', (s: SpdyStream) => s.accept());
    await peer.syn(1, { a: '1' });
    await peer.syn(3, { a: '2' });
    expect(await peer.waitFor((f) => f.type === 'rst_stream')).toMatchObject({
      streamId: 3,
      status: RstStatus.REFUSED_STREAM,
    });
  });

  it('half-closes: FIN one way leaves the other way open', async () => {
    const { client, server } = await sessions();
    server.on('stream', async (s: SpdyStream) => {
      s.accept();
      const input = await collect(s);
      s.end(Buffer.concat([Buffer.from('got:'), input]));
    });
    const s = await client.openStream({ streamType: 'data' });
    const reply = collect(s);
    s.end('abc');
    expect((await reply).toString()).toBe('got:abc');
  });
});
