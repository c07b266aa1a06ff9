import { describe, expect, it } from 'vitest';
import { SpdyProtocolError } from './errors.js';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';
import {
  decodeFrame,
  encodeData,
  encodeGoAway,
  encodeHeaders,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
  FrameDecoder,
  RstStatus,
} from './spdy-frame.js';

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A control frame with an arbitrary header, for malformed input. */
function control(type: number, payload: Buffer, flags = 0, version = 3): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(0x8000 | version, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([b, payload]);
}

describe('SPDY/3 dictionary', () => {
  it('is the 1423 published bytes (length, ends, Adler-32 the peer checks)', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from('\0\0\0\x07options', 'latin1'));
    expect(SPDY_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
    // The DICTID in every header stream's zlib header; Go's zlib reader compares it.
    expect(adler32(SPDY_DICTIONARY).toString(16)).toBe('e3c6a7c2');
  });
});

describe('frame encoding', () => {
  it('lays out every frame type as draft 3.1 says', () => {
    expect(encodeData(5, Buffer.from('hi'), true)).toEqual(
      Buffer.from([0, 0, 0, 5, 1, 0, 0, 2, 0x68, 0x69]),
    );
    expect(encodePing(7)).toEqual(Buffer.from([0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7]));
    expect(encodeRstStream(3, RstStatus.CANCEL)).toEqual(
      Buffer.from([0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 5]),
    );
    expect(encodeWindowUpdate(0, 1000)).toEqual(
      Buffer.from([0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 3, 0xe8]),
    );
    expect(encodeGoAway(9, 1)).toEqual(
      Buffer.from([0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 1]),
    );
    expect(encodeSettings([{ id: 7, flags: 0, value: 65536 }])).toEqual(
      Buffer.from([0x80, 3, 0, 4, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 7, 0, 1, 0, 0]),
    );
    const syn = encodeSynStream(1, Buffer.from('hb'), { fin: true, priority: 3 });
    expect(syn.subarray(0, 18)).toEqual(
      Buffer.from([0x80, 3, 0, 1, 1, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0]),
    );
  });

  it('round-trips every frame type through the decoder', () => {
    const frames = [
      encodeData(1, Buffer.from('payload'), false),
      encodeSynStream(3, Buffer.from('block'), { unidirectional: true }),
      encodeSynReply(3, Buffer.from('r'), true),
      encodeHeaders(3, Buffer.from('h')),
      encodeRstStream(3, RstStatus.REFUSED_STREAM),
      encodeSettings([{ id: 4, flags: 1, value: 100 }], true),
      encodePing(2),
      encodeGoAway(3, 0),
      encodeWindowUpdate(3, 12345),
    ];
    const decoded = new FrameDecoder().push(Buffer.concat(frames));
    expect(decoded.map((f) => f.type)).toEqual([
      'data',
      'syn_stream',
      'syn_reply',
      'headers',
      'rst_stream',
      'settings',
      'ping',
      'goaway',
      'window_update',
    ]);
    expect(decoded[0]).toMatchObject({ streamId: 1, fin: false, data: Buffer.from('payload') });
    expect(decoded[1]).toMatchObject({
      streamId: 3,
      unidirectional: true,
      fin: false,
      headerBlock: Buffer.from('block'),
    });
    expect(decoded[2]).toMatchObject({ streamId: 3, fin: true });
    expect(decoded[5]).toMatchObject({ clear: true, entries: [{ id: 4, flags: 1, value: 100 }] });
    expect(decoded[8]).toMatchObject({ streamId: 3, delta: 12345 });
  });

  it('reassembles frames fed one byte at a time', () => {
    const bytes = Buffer.concat([encodeData(1, Buffer.alloc(1000, 7), true), encodePing(4)]);
    const d = new FrameDecoder();
    const out = [];
    for (const b of bytes) out.push(...d.push(Buffer.from([b])));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ type: 'data', fin: true });
    expect((out[0] as { data: Buffer }).data.equals(Buffer.alloc(1000, 7))).toBe(true);
    expect(d.pendingBytes).toBe(0);
  });

  it('ignores unknown control frame types (NOOP, CREDENTIAL)', () => {
    expect(new FrameDecoder().push(control(10, Buffer.alloc(3)))).toEqual([
      { type: 'ignored', frameType: 10 },
    ]);
  });
});

describe('malformed frames are a clear SpdyProtocolError', () => {
  const cases: [string, Buffer][] = [
    ['a SPDY/2 control frame', control(6, Buffer.alloc(4, 1), 0, 2)],
    ['DATA on stream 0', encodeData(1, Buffer.alloc(1), false).fill(0, 0, 4)],
    ['SYN_STREAM shorter than 10 bytes', control(1, Buffer.alloc(6))],
    ['SYN_STREAM for stream 0', control(1, Buffer.alloc(10))],
    ['RST_STREAM of 4 bytes', control(3, Buffer.alloc(4))],
    ['RST_STREAM with status 0', control(3, Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]))],
    [
      'SETTINGS whose count does not match its length',
      control(4, Buffer.from([0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 1])),
    ],
    ['PING of 8 bytes', control(6, Buffer.alloc(8))],
    ['GOAWAY of 4 bytes', control(7, Buffer.alloc(4))],
    ['WINDOW_UPDATE of 12 bytes', control(9, Buffer.alloc(12))],
  ];
  for (const [name, bytes] of cases) {
    it(name, () => {
      expect(() => new FrameDecoder().push(bytes)).toThrow(SpdyProtocolError);
    });
  }

  it('a control frame over the size limit, before its payload arrives', () => {
    const header = control(1, Buffer.alloc(0)).subarray(0, 8);
    header.writeUInt32BE(0xfffff0, 4);
    expect(() => new FrameDecoder({ maxControlPayload: 1024 }).push(header)).toThrow(/exceeds/);
  });

  it('decodeFrame never throws anything but SpdyProtocolError on random input', () => {
    for (let i = 0; i < 2000; i++) {
      const len = 8 + Math.floor(Math.random() * 24);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(Math.random() * 256);
      buf[0] = (buf[0]! & 0x80) | 0;
      buf[1] = i % 2 ? 3 : buf[1]!;
      buf.writeUInt32BE(((buf[4]! << 24) | (len - 8)) >>> 0, 4);
      try {
        decodeFrame(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(SpdyProtocolError);
      }
    }
  });
});
