import { describe, expect, it } from 'vitest';
import { decodeChannelMessage, encodeChannelMessage, encodeCloseSignal } from './ws-channel.js';

describe('WebSocket channel framing', () => {
  it('prefixes binary messages with the channel byte', () => {
    expect(encodeChannelMessage(1, Buffer.from('out'), 'binary')).toEqual(
      Buffer.from([1, 0x6f, 0x75, 0x74]),
    );
    expect(decodeChannelMessage(Buffer.from([0, 0x66, 0x6f, 0x6f, 0x0a]), 'binary', false)).toEqual(
      {
        kind: 'data',
        channel: 0,
        data: Buffer.from('foo\n'),
      },
    );
  });

  it('writes base64 messages as a channel digit and base64 text (the apimachinery example)', () => {
    expect(encodeChannelMessage(1, Buffer.from('\n'), 'base64')).toBe('1Cg==');
    expect(decodeChannelMessage(Buffer.from('0Zm9vCg=='), 'base64', false)).toEqual({
      kind: 'data',
      channel: 0,
      data: Buffer.from('foo\n'),
    });
  });

  it('decodes v5 CLOSE signals only when the protocol has them', () => {
    expect(encodeCloseSignal(0)).toEqual(Buffer.from([255, 0]));
    expect(decodeChannelMessage(Buffer.from([255, 0]), 'binary', true)).toEqual({
      kind: 'close',
      channel: 0,
    });
    expect(decodeChannelMessage(Buffer.from([255, 0]), 'binary', false)).toMatchObject({
      kind: 'data',
      channel: 255,
    });
  });

  it('reports malformed messages instead of throwing', () => {
    expect(decodeChannelMessage(Buffer.alloc(0), 'binary', true)).toEqual({ kind: 'empty' });
    expect(decodeChannelMessage(Buffer.from([255, 0, 1]), 'binary', true).kind).toBe('invalid');
    expect(decodeChannelMessage(Buffer.from('x!!!'), 'base64', false).kind).toBe('invalid');
    expect(decodeChannelMessage(Buffer.from('1%%%'), 'base64', false).kind).toBe('invalid');
  });
});
