import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SpdyProtocolError } from './errors.js';
import { SPDY_DICTIONARY } from './spdy-dictionary.js';
import {
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  headerValue,
} from './spdy-header-block.js';

describe('header blocks', () => {
  it('encodes pairs as 32-bit lengths, lowercases names and joins values with NUL', () => {
    const raw = encodeHeaderBlock({ streamType: 'stdout', Multi: ['a', 'b'] });
    expect(raw.readUInt32BE(0)).toBe(2);
    expect(raw.includes(Buffer.from('streamtype'))).toBe(true);
    expect(decodeHeaderBlock(raw)).toEqual({ streamtype: ['stdout'], multi: ['a', 'b'] });
    expect(headerValue(decodeHeaderBlock(raw), 'streamType')).toBe('stdout');
  });

  const bad: [string, Buffer][] = [
    ['shorter than the count', Buffer.from([0, 0])],
    ['a count larger than the block', Buffer.from([0, 0, 0, 9])],
    [
      'a truncated name',
      Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 10]), Buffer.from('abc')]),
    ],
    ['an empty name', encodeHeaderBlock({ '': 'x' })],
    ['a duplicate name', Buffer.from(encodeHeaderBlock({ a: '1', b: '2' })).fill(0x61, 18, 19)],
    ['trailing bytes', Buffer.concat([encodeHeaderBlock({ a: '1' }), Buffer.from('zz')])],
  ];
  for (const [name, raw] of bad) {
    it(`rejects a block with ${name}`, () => {
      expect(() => decodeHeaderBlock(raw)).toThrow(SpdyProtocolError);
    });
  }
});

describe('header compression (one zlib stream per direction, SPDY dictionary)', () => {
  it('round-trips 200 blocks in order, even when compressed concurrently', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        c.compress({ streamtype: i % 2 ? 'data' : 'error', port: String(i), requestid: String(i) }),
      ),
    );
    for (let i = 0; i < blocks.length; i++) {
      expect(await d.decompress(blocks[i]!)).toEqual({
        streamtype: [i % 2 ? 'data' : 'error'],
        port: [String(i)],
        requestid: [String(i)],
      });
    }
    c.close();
    d.close();
  });

  it('writes the dictionary ID in the zlib header, as Go peers check it', async () => {
    const c = new HeaderCompressor();
    const first = await c.compress({ a: 'b' });
    expect(first[1]! & 0x20).toBe(0x20); // FDICT
    expect(first.subarray(2, 6).toString('hex')).toBe('e3c6a7c2');
    c.close();
  });

  it('rejects garbage and a block that inflates past the limit, as protocol errors', async () => {
    await expect(
      new HeaderDecompressor().decompress(Buffer.from('not zlib at all')),
    ).rejects.toBeInstanceOf(SpdyProtocolError);
    const bomb = deflateSync(encodeHeaderBlock({ big: 'x'.repeat(200_000) }), {
      dictionary: SPDY_DICTIONARY,
    });
    const d = new HeaderDecompressor(64 * 1024);
    await expect(d.decompress(bomb)).rejects.toThrow(/inflates past/);
    // A failed stream stays failed (the zlib context is lost).
    await expect(d.decompress(Buffer.alloc(4))).rejects.toBeInstanceOf(SpdyProtocolError);
  });
});
