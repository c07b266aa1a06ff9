import { Channel } from './remotecommand-protocol.js';

/**
 * The channel framing of Kubernetes' WebSocket subprotocols (apimachinery wsstream): every
 * message starts with a channel byte (`channel.k8s.io`, `v4.`, `v5.`), or a channel digit
 * followed by base64 (`base64.channel.k8s.io`, `v4.base64.`). v5 adds `[255, n]`: the
 * sender closed channel n.
 */

export type ChannelEncoding = 'binary' | 'base64';

/** One decoded message. */
export type ChannelMessage =
  | { kind: 'data'; channel: number; data: Buffer }
  | { kind: 'close'; channel: number }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

/** A message carrying `data` on `channel`. */
export function encodeChannelMessage(
  channel: number,
  data: Buffer,
  encoding: ChannelEncoding,
): Buffer | string {
  if (encoding === 'base64') return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/** The v5 CLOSE signal for `channel`. */
export function encodeCloseSignal(channel: number): Buffer {
  return Buffer.from([Channel.CLOSE, channel]);
}

/**
 * Decodes a message (text or binary frames alike: some clients, like the Python client,
 * send binary-protocol data in text frames). `closeSignal` enables v5's channel 255.
 */
export function decodeChannelMessage(
  message: Buffer,
  encoding: ChannelEncoding,
  closeSignal: boolean,
): ChannelMessage {
  if (message.length === 0) return { kind: 'empty' };
  if (encoding === 'base64') {
    const channel = message[0]! - 48;
    if (channel < 0 || channel > 9)
      return { kind: 'invalid', reason: `channel digit ${message[0]}` };
    const text = message.subarray(1).toString('latin1');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
      return { kind: 'invalid', reason: 'payload is not base64' };
    }
    return { kind: 'data', channel, data: Buffer.from(text, 'base64') };
  }
  const channel = message[0]!;
  if (closeSignal && channel === Channel.CLOSE) {
    if (message.length !== 2)
      return { kind: 'invalid', reason: `CLOSE signal of ${message.length} bytes` };
    return { kind: 'close', channel: message[1]! };
  }
  return { kind: 'data', channel, data: message.subarray(1) };
}
