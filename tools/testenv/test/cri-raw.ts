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

/** Every top-level field of a message: length-delimited ones as bytes, varints as numbers. */
export function decodeFields(buf: Buffer): {
  bytes: Map<number, Buffer[]>;
  ints: Map<number, number[]>;
} {
  const bytes = new Map<number, Buffer[]>();
  const ints = new Map<number, number[]>();
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
  const push = <T>(map: Map<number, T[]>, num: number, value: T): void => {
    const list = map.get(num) ?? [];
    list.push(value);
    map.set(num, list);
  };
  while (at < buf.length) {
    const key = readVarint();
    const wire = key & 7;
    const num = Math.floor(key / 8);
    if (wire === 0) {
      push(ints, num, readVarint());
    } else if (wire === 2) {
      const len = readVarint();
      push(bytes, num, buf.subarray(at, at + len));
      at += len;
    } else if (wire === 5) {
      at += 4;
    } else if (wire === 1) {
      at += 8;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return { bytes, ints };
}

/** Follows the first occurrence of each nested message field; empty when absent. */
export function nested(buf: Buffer, ...path: number[]): Buffer {
  let cur = buf;
  for (const num of path) cur = decodeFields(cur).bytes.get(num)?.[0] ?? Buffer.alloc(0);
  return cur;
}

const RUNTIME = '/runtime.v1.RuntimeService';
const IMAGES = '/runtime.v1.ImageService';

export interface PodSpec {
  name: string;
  namespace?: string;
  hostname?: string;
  /** Share the node's network namespace (NamespaceMode NODE) instead of a pod network. */
  hostNetwork?: boolean;
  /** TCP host ports (portmap CNI plugin). */
  portMappings?: { containerPort: number; hostPort: number; hostIp?: string }[];
}

/** A runtime.v1.PodSandboxConfig. */
export function podSandboxConfig(spec: PodSpec): Buffer {
  const metadata = field(
    1,
    Buffer.concat([
      field(1, spec.name),
      field(2, `uid-${spec.name}`),
      field(3, spec.namespace ?? 'testenv'),
    ]),
  );
  const parts = [metadata];
  if (spec.hostname !== undefined) parts.push(field(2, spec.hostname));
  for (const pm of spec.portMappings ?? []) {
    parts.push(
      field(
        5,
        Buffer.concat([
          intField(2, pm.containerPort),
          intField(3, pm.hostPort),
          ...(pm.hostIp !== undefined ? [field(4, pm.hostIp)] : []),
        ]),
      ),
    );
  }
  // linux.security_context.namespace_options.network = NODE (2); POD (0) is the default.
  if (spec.hostNetwork === true) parts.push(field(8, field(2, field(1, intField(1, 2)))));
  return Buffer.concat(parts);
}

/** RunPodSandbox; resolves the sandbox id. */
export async function runPodSandbox(socket: string, config: Buffer): Promise<string> {
  const res = await criCall(socket, `${RUNTIME}/RunPodSandbox`, field(1, config));
  return nested(res, 1).toString();
}

/** PodSandboxStatus().status.network.ip ('' for a host-network pod). */
export async function podSandboxIp(socket: string, podId: string): Promise<string> {
  const res = await criCall(socket, `${RUNTIME}/PodSandboxStatus`, field(1, podId));
  return nested(res, 1, 5, 1).toString();
}

/** StopPodSandbox then RemovePodSandbox. */
export async function removePodSandbox(socket: string, podId: string): Promise<void> {
  await criCall(socket, `${RUNTIME}/StopPodSandbox`, field(1, podId));
  await criCall(socket, `${RUNTIME}/RemovePodSandbox`, field(1, podId));
}

/** PullImage; resolves the image ref (the config digest for containerd). */
export async function pullImage(socket: string, image: string): Promise<string> {
  const res = await criCall(socket, `${IMAGES}/PullImage`, field(1, field(1, image)));
  return nested(res, 1).toString();
}

/** CreateContainer + StartContainer in a pod; resolves the container id. */
export async function startContainer(
  socket: string,
  podId: string,
  podConfig: Buffer,
  c: { name: string; image: string; command?: string[] },
): Promise<string> {
  const config = Buffer.concat([
    field(1, field(1, c.name)),
    field(2, field(1, c.image)),
    ...(c.command ?? []).map((arg) => field(3, arg)),
  ]);
  const created = await criCall(
    socket,
    `${RUNTIME}/CreateContainer`,
    Buffer.concat([field(1, podId), field(2, config), field(3, podConfig)]),
  );
  const id = nested(created, 1).toString();
  await criCall(socket, `${RUNTIME}/StartContainer`, field(1, id));
  return id;
}

/** ExecSync (a unary call in CRI): runs `cmd` in a running container. */
export async function execSync(
  socket: string,
  containerId: string,
  cmd: string[],
  timeoutSeconds = 10,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const res = decodeFields(
    await criCall(
      socket,
      `${RUNTIME}/ExecSync`,
      Buffer.concat([
        field(1, containerId),
        ...cmd.map((arg) => field(2, arg)),
        intField(3, timeoutSeconds),
      ]),
    ),
  );
  return {
    stdout: res.bytes.get(1)?.[0]?.toString() ?? '',
    stderr: res.bytes.get(2)?.[0]?.toString() ?? '',
    exitCode: res.ints.get(3)?.[0] ?? 0,
  };
}
