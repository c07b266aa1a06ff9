import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import * as api from './gen/runtime/v1/api.js';

// Every message of the contract survives a trip through the generated codec: protobufjs
// (an independent implementation reading the same .proto) encodes a message with every
// field set, the generated code decodes and re-encodes it, protobufjs decodes the result.

const protoPath = fileURLToPath(new URL('../proto/runtime/v1/api.proto', import.meta.url));
const root = protobuf.loadSync(protoPath);
root.resolveAll();
const ns = root.lookup('runtime.v1') as protobuf.Namespace;
const messages = ns.nestedArray.filter((t): t is protobuf.Type => t instanceof protobuf.Type);

interface Codec {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}
const codecs = api as unknown as Record<string, Codec | undefined>;

function scalarSample(type: string, seed: number): unknown {
  switch (type) {
    case 'string':
      return `v${seed}-ünï/☃`;
    case 'bytes':
      return Buffer.from([seed & 0xff, 0, 255, 7]);
    case 'bool':
      return true;
    case 'int64':
      return '-1700000000123456789'; // protobufjs takes 64-bit values as decimal strings
    case 'uint64':
      return '18446744073709551000';
    case 'int32':
      return -seed - 1;
    case 'uint32':
      return seed + 1;
    case 'double':
    case 'float':
      return 1.5;
    default:
      throw new Error(`no sample for ${type}`);
  }
}

function sample(type: protobuf.Type, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 3) return out;
  type.fieldsArray.forEach((f, i) => {
    const value = (): unknown => {
      if (f.resolvedType instanceof protobuf.Enum) {
        const values = Object.values(f.resolvedType.values);
        return values[values.length - 1];
      }
      if (f.resolvedType instanceof protobuf.Type) return sample(f.resolvedType, depth + 1);
      return scalarSample(f.type, i);
    };
    if (f instanceof protobuf.MapField) out[f.name] = { k1: value(), k2: value() };
    else if (f.repeated) out[f.name] = [value(), value()];
    else out[f.name] = value();
  });
  return out;
}

describe('generated codec', () => {
  it('covers every message of the .proto', () => {
    expect(messages.length).toBeGreaterThan(150);
    const missing = messages.filter((t) => !codecs[t.name]?.decode).map((t) => t.name);
    expect(missing).toEqual([]);
  });

  it.each(messages.map((t) => [t.name, t] as const))('%s round-trips every field', (_, type) => {
    const codec = codecs[type.name]!;
    const original = type.fromObject(sample(type, 0));
    const bytes = type.encode(original).finish();
    const decoded = codec.decode(bytes);
    const again = codec.encode(decoded).finish();
    const opts = { longs: String, enums: Number, bytes: String, defaults: false } as const;
    expect(type.toObject(type.decode(again), opts)).toEqual(type.toObject(original, opts));
    if (type.fieldsArray.length > 0) expect(bytes.length).toBeGreaterThan(0);
  });

  it('keeps int64 nanosecond timestamps exact', () => {
    const ns = 1_764_201_600_123_456_789n;
    const bytes = api.ContainerStatus.encode(
      api.ContainerStatus.fromPartial({ createdAt: ns }),
    ).finish();
    expect(api.ContainerStatus.decode(bytes).createdAt).toBe(ns);
  });
});
