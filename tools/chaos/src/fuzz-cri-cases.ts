// One CRI fuzz case = the bytes of one call: a valid request with mutated fields, a random
// message, wrong wire types, broken gRPC frames, random bytes, or an unknown method.

import { type FuzzWorld, mutate, randomMessage } from './fuzz-cri-values.js';
import type { RawCall } from './fuzz-grpc.js';
import {
  encodeMessage,
  grpcFrame,
  type Msg,
  type protobuf,
  RawField,
  type RpcInfo,
  varint,
} from './fuzz-proto.js';
import type { Rng } from './fuzz-rng.js';

export type SingleCaseKind =
  | 'mutated'
  | 'random'
  | 'wire'
  | 'frame'
  | 'garbage'
  | 'method'
  | 'deep';

export interface SingleCase {
  kind: SingleCaseKind;
  rpc: string;
  call: RawCall;
  /** One line describing what was sent (for a failure report). */
  what: string;
  /** An HTTP error without grpc-status is a fine answer too (a wrong content-type). */
  httpOk?: boolean;
}

/** The CRI (and our label) on everything a fuzz sandbox is made with. */
export function sandboxConfig(w: FuzzWorld, name: string): Msg {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: 'capstan-fuzz', attempt: 0 },
    log_directory: `${w.scratchDir}/logs`,
    labels: { [w.label[0]]: w.label[1] },
    linux: {},
  };
}

export function containerConfig(w: FuzzWorld, name: string): Msg {
  return {
    metadata: { name, attempt: 0 },
    image: { image: w.image ?? '' },
    // sh as PID 1 would ignore SIGTERM: trap it so that a stop is quick.
    command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
    log_path: `${name}.log`,
    labels: { [w.label[0]]: w.label[1] },
    linux: {},
  };
}

/** A valid-looking request for each RPC, before mutation. */
export function template(rpc: RpcInfo, w: FuzzWorld, rng: Rng, n: number): Msg {
  const sb = () => (w.sandboxIds.length > 0 ? rng.pick(w.sandboxIds) : '');
  const ct = () => (w.containerIds.length > 0 ? rng.pick(w.containerIds) : '');
  const label = { label_selector: { [w.label[0]]: w.label[1] } };
  switch (rpc.name) {
    case 'Version':
      return { version: 'v1' };
    case 'RunPodSandbox':
      return { config: sandboxConfig(w, `fz-${n}`) };
    case 'CreateContainer':
      return {
        pod_sandbox_id: sb(),
        config: containerConfig(w, `fz-${n}`),
        sandbox_config: sandboxConfig(w, `fz-${n}`),
      };
    case 'StopPodSandbox':
    case 'RemovePodSandbox':
    case 'PodSandboxStatus':
    case 'PodSandboxStats':
      return { pod_sandbox_id: sb(), verbose: rng.chance(0.5) };
    case 'PortForward':
      return { pod_sandbox_id: sb(), port: [80] };
    case 'ListPodSandbox':
    case 'ListContainers':
    case 'ListPodSandboxStats':
    case 'ListContainerStats':
    case 'StreamPodSandboxes':
    case 'StreamContainers':
      return { filter: label };
    case 'ExecSync':
      return { container_id: ct(), cmd: ['true'], timeout: 5 };
    case 'Exec':
      return { container_id: ct(), cmd: ['true'], stdout: true };
    case 'Attach':
      return { container_id: ct(), stdout: true };
    case 'StopContainer':
      return { container_id: ct(), timeout: rng.int(3) };
    case 'UpdateContainerResources':
      return { container_id: ct(), linux: { cpu_shares: 512 } };
    case 'PullImage':
    case 'ImageStatus':
      return { image: { image: w.image ?? '' } };
    case 'RemoveImage':
      return { image: { image: `${w.registryHost ?? '127.0.0.1:1'}/fuzz/never-pulled:${n}` } };
    default:
      if (rpc.request.fields.container_id) return { container_id: ct() };
      if (rpc.request.fields.pod_sandbox_id) return { pod_sandbox_id: sb() };
      return {};
  }
}

const TIMEOUT_MS = 20_000;

function call(rpc: RpcInfo, body: Buffer, headers?: Record<string, string>): RawCall {
  return {
    path: rpc.path,
    body,
    timeoutMs: rpc.responseStream ? 1_500 : TIMEOUT_MS,
    streaming: rpc.responseStream,
    ...(headers ? { headers } : {}),
  };
}

/** The request with some fields written with the wrong wire type or malformed varints. */
function wireBroken(rng: Rng, type: protobuf.Type, msg: Msg): Msg {
  const out: Msg = { ...msg };
  const fields = type.fieldsArray;
  for (let i = 0; i < 1 + rng.int(3); i++) {
    const f = rng.pick(fields);
    if (!f) break;
    out[f.name] = rng.pick([
      new RawField(0, varint(2n ** 64n - 1n)), // a varint where bytes/messages are expected
      new RawField(2, Buffer.from([0x08, 0x96])), // a truncated inner message
      new RawField(5, Buffer.from([1, 2, 3, 4])),
      new RawField(1, Buffer.alloc(8, 0xff)),
      new RawField(
        0,
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      ), // 11-byte varint
      new RawField(2, Buffer.concat([varint(2 ** 31 - 1), Buffer.from('x')])), // length beyond the end
      new RawField(3, Buffer.alloc(0)), // a start group never ended
      new RawField(4, Buffer.alloc(0)), // an end group never started
      new RawField(6, Buffer.alloc(0)), // wire types 6 and 7 do not exist
      new RawField(7, Buffer.from([1])),
    ]);
  }
  if (rng.chance(0.3)) out['#0'] = new RawField(0, Buffer.from([1])); // field number 0 is illegal
  if (rng.chance(0.3)) out[`#${2 ** 29 - 1}`] = Buffer.from('max field number');
  return out;
}

/** Unknown fields nested `depth` deep: start groups (decoders recurse) or length-delimited. */
function deepNesting(rng: Rng, depth: number): Buffer {
  if (rng.chance(0.5)) {
    const start = Buffer.concat([varint((900n << 3n) | 3n)]);
    const end = Buffer.concat([varint((900n << 3n) | 4n)]);
    return Buffer.concat([
      Buffer.alloc(depth * start.length, start),
      Buffer.alloc(depth * end.length, end),
    ]);
  }
  // Length-delimited: every level's length from the inside out, then the prefixes from the
  // outside in (linear: wrapping the buffer once per level is quadratic at a million).
  const inner = Buffer.from([0x08, 0x01]);
  const tag = varint((901n << 3n) | 2n);
  const lengths = [inner.length];
  for (let i = 1; i < depth; i++) {
    const l = lengths[i - 1]!;
    lengths.push(tag.length + varint(l).length + l);
  }
  const parts: Buffer[] = [];
  for (let i = depth - 1; i >= 0; i--) parts.push(tag, varint(lengths[i]!));
  parts.push(inner);
  return Buffer.concat(parts);
}

/** One random single-call case. */
export function singleCase(
  rng: Rng,
  rpcs: RpcInfo[],
  w: FuzzWorld,
  n: number,
  kind: SingleCaseKind,
): SingleCase {
  const rpc = rng.pick(rpcs);
  const base = () => template(rpc, w, rng, n);
  switch (kind) {
    case 'mutated': {
      const msg = mutate(rng, rpc.request, base(), w);
      return {
        kind,
        rpc: rpc.name,
        call: call(rpc, grpcFrame(encodeMessage(rpc.request, msg))),
        what: 'mutated fields',
      };
    }
    case 'random': {
      const msg = randomMessage(rng, rpc.request, w);
      return {
        kind,
        rpc: rpc.name,
        call: call(rpc, grpcFrame(encodeMessage(rpc.request, msg))),
        what: 'random message',
      };
    }
    case 'wire': {
      const body = encodeMessage(rpc.request, wireBroken(rng, rpc.request, base()));
      return {
        kind,
        rpc: rpc.name,
        call: call(rpc, grpcFrame(body)),
        what: `wrong wire types: ${body.subarray(0, 24).toString('hex')}`,
      };
    }
    case 'deep': {
      const depth = rng.pick([100, 10_000, 100_000, 1_000_000]);
      const body = Buffer.concat([encodeMessage(rpc.request, base()), deepNesting(rng, depth)]);
      return {
        kind,
        rpc: rpc.name,
        call: call(rpc, grpcFrame(body)),
        what: `unknown fields nested ${depth} deep`,
      };
    }
    case 'frame': {
      const body = encodeMessage(rpc.request, base());
      const framed = grpcFrame(body);
      const variants: [string, Buffer, Record<string, string>?][] = [
        ['frame header cut', framed.subarray(0, 1 + rng.int(4))],
        [
          'length prefix beyond the body',
          Buffer.concat([
            grpcFrame(body).subarray(0, 1),
            u32(body.length + 1 + rng.int(1000)),
            body,
          ]),
        ],
        ['length prefix 4 GiB - 1', Buffer.concat([Buffer.from([0]), u32(0xffffffff), body])],
        [
          'length prefix shorter than the body',
          Buffer.concat([Buffer.from([0]), u32(Math.max(0, body.length - 1)), body]),
        ],
        ['two messages for a unary call', Buffer.concat([framed, framed])],
        ['compressed flag without grpc-encoding', grpcFrame(body, true)],
        [
          'compressed with an unknown encoding',
          grpcFrame(body, true),
          { 'grpc-encoding': 'snappy-fuzz' },
        ],
        ['flag byte 0x80', Buffer.concat([Buffer.from([0x80]), framed.subarray(1)])],
        ['no body at all', Buffer.alloc(0)],
        [
          'message over 16 MiB',
          grpcFrame(
            Buffer.concat([
              body,
              Buffer.from([0xa2, 0x38]),
              varint(17 << 20),
              Buffer.alloc(17 << 20, 0x61),
            ]),
          ),
        ],
      ];
      const [what, bytes, headers] = rng.pick(variants);
      return { kind, rpc: rpc.name, call: call(rpc, bytes, headers), what };
    }
    case 'garbage': {
      const bytes = rng.bytes(rng.size(1 << 16));
      return {
        kind,
        rpc: rpc.name,
        call: call(rpc, rng.chance(0.5) ? bytes : grpcFrame(bytes)),
        what: `${bytes.length} random bytes`,
      };
    }
    case 'method': {
      const path = rng.pick([
        '/runtime.v1.RuntimeService/NoSuchMethod',
        '/runtime.v1.NoSuchService/Version',
        '/runtime.v1alpha1.RuntimeService/Version',
        '/runtime.v1.RuntimeService/',
        '/',
        '/runtime.v1.RuntimeService/Version/extra',
        `/runtime.v1.RuntimeService/${'V'.repeat(8192)}`,
        '/runtime.v1.ImageService/RunPodSandbox',
      ]);
      const wrongType = rng.chance(0.2)
        ? { 'content-type': rng.pick(['application/json', 'text/plain', 'application/grpc+fuzz']) }
        : undefined;
      return {
        kind,
        rpc: path.slice(0, 80),
        call: {
          path,
          body: grpcFrame(Buffer.alloc(0)),
          timeoutMs: TIMEOUT_MS,
          ...(wrongType ? { headers: wrongType } : {}),
        },
        what: wrongType ? `content-type ${wrongType['content-type']}` : 'unknown method',
        httpOk: wrongType !== undefined,
      };
    }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
