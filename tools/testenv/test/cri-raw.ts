/**
 * Just enough CRI-over-gRPC to check a private containerd from this package's tests:
 * hand-encoded protobuf over node:http2 (this package sits below @capstan/cri-api and
 * must not depend on it).
 */
import { connect as h2connect } from 'node:http2';
import { connect as netConnect } from 'node:net';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A length-delimited field (string or embedded message). */
export function field(num: number, value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([varint((num << 3) | 2), varint(bytes.length), bytes]);
}

/** A varint field (enum, int, bool). */
export function intField(num: number, value: number): Buffer {
  return Buffer.concat([varint(num << 3), varint(value)]);
}

/** Decodes the top level of a message: field number -> length-delimited values as strings. */
export function decode(buf: Buffer): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let at = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++];
      if (b === undefined) throw new Error('truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (at < buf.length) {
    const key = readVarint();
    const wire = key & 7;
    const num = key >>> 3;
    if (wire === 0) {
      readVarint();
    } else if (wire === 2) {
      const len = readVarint();
      const list = out.get(num) ?? [];
      list.push(buf.subarray(at, at + len).toString());
      out.set(num, list);
      at += len;
    } else if (wire === 5) {
      at += 4;
    } else if (wire === 1) {
      at += 8;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** One unary call; resolves the response message bytes or rejects with grpc-status. */
export function criCall(socket: string, method: string, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const session = h2connect('http://localhost', { createConnection: () => netConnect(socket) });
    session.on('error', reject);
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    request.copy(frame, 5);
    const stream = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message = '';
    stream.on('response', (headers) => {
      // A trailers-only response (an error) carries status and message in the headers.
      if (headers['grpc-status'] !== undefined) {
        status = String(headers['grpc-status']);
        message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
      }
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
      message = decodeURIComponent(String(trailers['grpc-message'] ?? message));
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => {
      session.close();
      if (status !== '0') {
        reject(new Error(`${method}: grpc-status ${status}: ${message}`));
        return;
      }
      const body = Buffer.concat(chunks);
      resolve(body.length < 5 ? Buffer.alloc(0) : body.subarray(5, 5 + body.readUInt32BE(1)));
    });
    stream.end(frame);
  });
}
