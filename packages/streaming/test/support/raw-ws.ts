import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { upgradeRequest } from '../../src/client-connect.js';

/**
 * A bare-bones WebSocket client (RFC 6455 framing, binary messages only) for subprotocols
 * the `ws` client refuses to offer, such as kubectl's `SPDY/3.1+portforward.k8s.io`.
 * Each write is one masked binary message; reads yield message payloads.
 */
export async function rawWebSocket(
  url: string,
  protocol: string,
): Promise<{ stream: Duplex; protocol: string }> {
  const { socket, head, headers } = await upgradeRequest(url, {
    method: 'GET',
    upgradeHeaders: {
      Upgrade: 'websocket',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Protocol': protocol,
    },
  });
  let buf = head;
  const frame = (opcode: number, payload: Buffer) => {
    const mask = randomBytes(4);
    const len = payload.length;
    const header =
      len < 126
        ? Buffer.from([0x80 | opcode, 0x80 | len])
        : len < 65536
          ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
          : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), u64(len)]);
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i]! ^= mask[i % 4]!;
    return Buffer.concat([header, mask, masked]);
  };
  const stream = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      socket.write(frame(2, chunk), cb);
    },
    final(cb) {
      socket.write(frame(8, Buffer.from([0x03, 0xe8])), () => cb());
    },
    read() {},
  });
  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 2 || opcode === 0) stream.push(payload);
      else if (opcode === 9) socket.write(frame(10, payload));
      else if (opcode === 8) {
        stream.push(null);
        socket.end();
      }
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  socket.on('close', () => stream.destroy());
  parse();
  return { stream, protocol: String(headers['sec-websocket-protocol'] ?? '') };
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
