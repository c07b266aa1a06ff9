// The CRI runtime.v1 schema, from the .proto @capstan/cri-api ships, as protobufjs
// reflection: every RPC of RuntimeService and ImageService with its request type, and a
// protobuf wire writer that, unlike a codec, can write what a codec refuses to (invalid
// UTF-8, wrong wire types, overlong varints) through {@link RawField}.
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** One RPC: its gRPC path and request type; streaming RPCs are answered with many messages. */
export interface RpcInfo {
  service: 'RuntimeService' | 'ImageService';
  name: string;
  path: string;
  request: protobuf.Type;
  responseStream: boolean;
}

/** Every RPC of both services, from the shipped .proto. */
export function loadCriSchema(): { root: protobuf.Root; rpcs: RpcInfo[] } {
  const file = require.resolve('@capstan/cri-api/proto/runtime/v1/api.proto');
  const root = new protobuf.Root().loadSync(file, { keepCase: true });
  root.resolveAll();
  const rpcs: RpcInfo[] = [];
  for (const service of ['RuntimeService', 'ImageService'] as const) {
    const svc = root.lookupService(`runtime.v1.${service}`);
    for (const m of svc.methodsArray) {
      rpcs.push({
        service,
        name: m.name,
        path: `/runtime.v1.${service}/${m.name}`,
        request: root.lookupType(`runtime.v1.${m.requestType}`),
        responseStream: m.responseStream === true,
      });
    }
  }
  return { root, rpcs };
}

/** A field written verbatim: any wire type and payload under the field's number. */
export class RawField {
  constructor(
    readonly wireType: number,
    readonly payload: Buffer,
  ) {}
}

/** A message value: field name -> value (scalars, nested objects, arrays, map objects). */
export type Msg = { [field: string]: unknown };

export function varint(v: bigint | number): Buffer {
  let n = BigInt(v);
  if (n < 0n) n = BigInt.asUintN(64, n);
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

const key = (id: number, wire: number) => varint((BigInt(id) << 3n) | BigInt(wire));
const ld = (id: number, payload: Buffer) =>
  Buffer.concat([key(id, 2), varint(payload.length), payload]);

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'bool']);
const ZIGZAG = new Set(['sint32', 'sint64']);
const FIXED32 = new Set(['fixed32', 'sfixed32', 'float']);
const FIXED64 = new Set(['fixed64', 'sfixed64', 'double']);

/** The wire bytes of one scalar (or enum) value, without its key. */
function scalar(type: string, isEnum: boolean, v: unknown): { wire: number; bytes: Buffer } {
  if (isEnum || VARINT_TYPES.has(type)) {
    const n = typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v as number | bigint);
    return { wire: 0, bytes: varint(n) };
  }
  if (ZIGZAG.has(type)) {
    const n = BigInt(v as number | bigint);
    return { wire: 0, bytes: varint(n >= 0n ? n << 1n : (-n << 1n) - 1n) };
  }
  if (FIXED32.has(type)) {
    const b = Buffer.alloc(4);
    if (type === 'float') b.writeFloatLE(Number(v));
    else b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(v as number))));
    return { wire: 5, bytes: b };
  }
  if (FIXED64.has(type)) {
    const b = Buffer.alloc(8);
    if (type === 'double') b.writeDoubleLE(Number(v));
    else b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v as number)));
    return { wire: 1, bytes: b };
  }
  // string / bytes: a Buffer passes through untouched (invalid UTF-8 on purpose).
  const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
  return { wire: 2, bytes };
}

function valueBytes(field: protobuf.Field, id: number, v: unknown, packed: boolean): Buffer[] {
  if (v instanceof RawField) return [Buffer.concat([key(id, v.wireType), v.payload])];
  if (field.resolvedType instanceof protobuf.Type) {
    return [ld(id, encodeMessage(field.resolvedType, v as Msg))];
  }
  const isEnum = field.resolvedType instanceof protobuf.Enum;
  if (Array.isArray(v) && packed) {
    const parts = v.map((x) => scalar(field.type, isEnum, x).bytes);
    return [ld(id, Buffer.concat(parts))];
  }
  const s = scalar(field.type, isEnum, v);
  return [
    Buffer.concat([
      key(id, s.wire),
      s.wire === 2 ? varint(s.bytes.length) : Buffer.alloc(0),
      s.bytes,
    ]),
  ];
}

/**
 * Encodes `msg` as `type`. Unknown keys named `#<n>` are written as field n (a RawField
 * or bytes). Repeated numeric fields are written packed unless `$unpacked` is set.
 */
export function encodeMessage(type: protobuf.Type, msg: Msg): Buffer {
  const out: Buffer[] = [];
  for (const [name, v] of Object.entries(msg)) {
    if (v === undefined || name === '$unpacked') continue;
    if (name.startsWith('#')) {
      const id = Number(name.slice(1));
      out.push(
        v instanceof RawField
          ? Buffer.concat([key(id, v.wireType), v.payload])
          : ld(id, v as Buffer),
      );
      continue;
    }
    const field = type.fields[name];
    if (!field) continue;
    if (field.map) {
      const mf = field as unknown as protobuf.MapField;
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        const entry = Buffer.concat([
          ...valueBytes({ type: mf.keyType, resolvedType: null } as protobuf.Field, 1, k, false),
          ...valueBytes(field, 2, val, false),
        ]);
        out.push(ld(field.id, entry));
      }
      continue;
    }
    if (field.repeated && Array.isArray(v)) {
      const numeric =
        !(field.resolvedType instanceof protobuf.Type) && !['string', 'bytes'].includes(field.type);
      if (numeric && msg.$unpacked !== true) out.push(...valueBytes(field, field.id, v, true));
      else for (const item of v) out.push(...valueBytes(field, field.id, item, false));
      continue;
    }
    out.push(...valueBytes(field, field.id, v, false));
  }
  return Buffer.concat(out);
}

/** A gRPC length-prefixed message frame (uncompressed unless `compressed`). */
export function grpcFrame(body: Buffer, compressed = false): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export { protobuf };
