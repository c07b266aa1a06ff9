import hpack from 'hpack.js';
import { describe, expect, it } from 'vitest';
import { AuthorityRewriter, isRejectedAuthority } from './h2-authority.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return Buffer.concat([h, payload]);
}

/** Splits a byte stream of frames back into frames. */
function frames(buf: Buffer) {
  const out: { type: number; flags: number; stream: number; payload: Buffer }[] = [];
  let b = buf;
  while (b.length >= 9) {
    const len = b.readUIntBE(0, 3);
    out.push({
      type: b[3]!,
      flags: b[4]!,
      stream: b.readUInt32BE(5),
      payload: b.subarray(9, 9 + len),
    });
    b = b.subarray(9 + len);
  }
  return out;
}

function headersOf(decoder: ReturnType<typeof hpack.decompressor.create>, block: Buffer) {
  decoder.write(block);
  decoder.execute();
  const out: Record<string, string> = {};
  for (let h = decoder.read(); h; h = decoder.read()) out[h.name] = h.value;
  return out;
}

const request = (authority: string) => [
  { name: ':method', value: 'POST' },
  { name: ':scheme', value: 'http' },
  { name: ':path', value: '/runtime.v1.RuntimeService/Version' },
  { name: ':authority', value: authority },
  { name: 'content-type', value: 'application/grpc' },
];

describe('AuthorityRewriter', () => {
  it('knows which authorities Node rejects', () => {
    expect(isRejectedAuthority('/run/containerd/containerd.sock')).toBe(true);
    expect(isRejectedAuthority('localhost')).toBe(false);
    expect(isRejectedAuthority('127.0.0.1:10010')).toBe(false);
  });

  it('rewrites a path authority and keeps the rest, across padding, priority and CONTINUATION', () => {
    const client = hpack.compressor.create({ table: { size: 4096 } });
    client.write(request('/var/run/cri.sock'));
    const block = client.read()!;
    const padded = Buffer.concat([
      Buffer.from([3]),
      Buffer.from([0, 0, 0, 0, 15]),
      block.subarray(0, 5),
      Buffer.alloc(3),
    ]);
    const settings = frame(0x4, 0, 0, Buffer.alloc(0));
    const input = Buffer.concat([
      PREFACE,
      settings,
      frame(0x1, 0x8 | 0x20 | 0x1, 1, padded), // HEADERS: PADDED, PRIORITY, END_STREAM
      frame(0x9, 0x4, 1, block.subarray(5)), // CONTINUATION: END_HEADERS
      frame(0x0, 0x1, 3, Buffer.from('data')),
    ]);
    const rw = new AuthorityRewriter();
    // Feed byte by byte: the rewriter must cope with frames split anywhere.
    const out = Buffer.concat([...input].map((b) => rw.push(Buffer.from([b]))));
    expect(out.subarray(0, PREFACE.length).equals(PREFACE)).toBe(true);
    const fs = frames(out.subarray(PREFACE.length));
    expect(fs.map((f) => f.type)).toEqual([0x4, 0x1, 0x0]);
    expect(fs[1]!.flags).toBe(0x4 | 0x1);
    const server = hpack.decompressor.create({ table: { size: 4096 } });
    expect(headersOf(server, fs[1]!.payload)).toEqual({
      ':method': 'POST',
      ':scheme': 'http',
      ':path': '/runtime.v1.RuntimeService/Version',
      ':authority': 'localhost',
      'content-type': 'application/grpc',
    });
    expect(fs[2]!.payload.toString()).toBe('data');
  });

  it('keeps the dynamic table consistent over several requests on one connection', () => {
    const client = hpack.compressor.create({ table: { size: 4096 } });
    const server = hpack.decompressor.create({ table: { size: 4096 } });
    const rw = new AuthorityRewriter();
    rw.push(PREFACE);
    for (let i = 1; i <= 7; i += 2) {
      client.write([
        ...request(i % 4 === 1 ? '/run/x.sock' : 'localhost'),
        { name: 'x-n', value: String(i) },
      ]);
      const out = frames(rw.push(frame(0x1, 0x4, i, client.read()!)));
      const h = headersOf(server, out[0]!.payload);
      expect(h[':authority']).toBe('localhost');
      expect(h['x-n']).toBe(String(i));
    }
  });

  it('splits a re-encoded block larger than one frame into CONTINUATIONs', () => {
    const client = hpack.compressor.create({ table: { size: 4096 } });
    client.write([
      ...request('/s.sock'),
      { name: 'x-big', value: 'y'.repeat(40_000), huffman: false },
    ]);
    const rw = new AuthorityRewriter();
    rw.push(PREFACE);
    const big = client.read()!;
    const input = Buffer.concat([
      frame(0x1, 0, 1, big.subarray(0, 16384)),
      frame(0x9, 0, 1, big.subarray(16384, 32768)),
      frame(0x9, 0x4, 1, big.subarray(32768)),
    ]);
    const out = frames(rw.push(input));
    expect(out[0]!.type).toBe(0x1);
    expect(out.slice(1).every((f) => f.type === 0x9)).toBe(true);
    expect(out.at(-1)!.flags & 0x4).toBe(0x4);
    expect(out.every((f) => f.payload.length <= 16384)).toBe(true);
    const server = hpack.decompressor.create({ table: { size: 4096 } });
    const h = headersOf(server, Buffer.concat(out.map((f) => f.payload)));
    expect(h['x-big']).toHaveLength(40_000);
    expect(h[':authority']).toBe('localhost');
  });

  it('rejects a frame interleaved inside a header block', () => {
    const rw = new AuthorityRewriter();
    rw.push(PREFACE);
    expect(() =>
      rw.push(
        Buffer.concat([frame(0x1, 0, 1, Buffer.from([0x82])), frame(0x0, 0, 1, Buffer.from('x'))]),
      ),
    ).toThrow(/interleaved/);
  });

  it('passes a connection that is not HTTP/2 through untouched', () => {
    const rw = new AuthorityRewriter();
    const http1 = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(rw.push(http1).equals(http1)).toBe(true);
  });
});
