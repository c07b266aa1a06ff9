// Random values for the fields of CRI messages, by protobuf type, with guards on the few
// fields whose accepted values would reach outside the run: host paths, images, IDs.
import { type Msg, protobuf, RawField, varint } from './fuzz-proto.js';
import { type Rng, randomString } from './fuzz-rng.js';

/** What the generator may refer to: real IDs, a scratch dir, a pullable image. */
export interface FuzzWorld {
  /** Sandbox and container IDs the fuzzer made (live or already removed). */
  sandboxIds: string[];
  containerIds: string[];
  /** A dir of the fuzzer's own: every host path a request names is under it. */
  scratchDir: string;
  /** A pullable image with sh and sleep, or undefined. */
  image?: string;
  /** host:port of a registry: image names point there (nothing leaves the host). */
  registryHost?: string;
  /** Label key/value put on everything the fuzzer creates. */
  label: [string, string];
}

const INT_EDGES = [
  0n,
  1n,
  -1n,
  2n ** 31n - 1n,
  -(2n ** 31n),
  2n ** 32n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  2n ** 64n - 1n,
];
const FLOAT_EDGES = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e308,
  5e-324,
];

/** Byte strings that are not UTF-8: lone continuation, overlong NUL, surrogate, truncated. */
const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0x61, 0xe2, 0x82]),
  Buffer.from([0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

function randomInt(rng: Rng): bigint {
  return rng.chance(0.6) ? rng.pick(INT_EDGES) : BigInt(rng.u32()) - 2n ** 31n;
}

/** A guarded value for a field whose name says what it is, or undefined for "any". */
function guarded(rng: Rng, field: protobuf.Field, w: FuzzWorld): unknown {
  const n = field.name;
  if (field.type !== 'string') return undefined;
  if (n === 'pod_sandbox_id' || n === 'container_id' || n === 'id') return randomId(rng, w, n);
  if (['host_path', 'log_directory', 'log_path', 'location', 'path'].includes(n))
    return scratchPath(rng, w);
  if (n === 'cgroup_parent') return ''; // any other value makes a cgroup outside the run
  if (n === 'image' || n === 'user_specified_image' || n === 'image_ref')
    return randomImage(rng, w);
  return undefined;
}

/** An ID: one of ours, or one that cannot prefix-match anybody else's (runtimes match prefixes). */
export function randomId(rng: Rng, w: FuzzWorld, field: string): string {
  const ours = field === 'pod_sandbox_id' ? w.sandboxIds : w.containerIds;
  const both = [...w.sandboxIds, ...w.containerIds];
  switch (rng.int(6)) {
    case 0:
      return '';
    case 1:
    case 2:
      return ours.length > 0 ? rng.pick(ours) : 'f'.repeat(64);
    case 3:
      return both.length > 0 ? rng.pick(both) : rng.bytes(32).toString('hex');
    case 4:
      return rng.bytes(32).toString('hex');
    default: {
      const s = randomString(rng, 70_000);
      // A short hex string would prefix-match some other pod's ID: never send one.
      return /^[0-9a-f]*$/.test(s) ? `${s}z` : s;
    }
  }
}

export function scratchPath(rng: Rng, w: FuzzWorld): string {
  const base = w.scratchDir;
  return rng.pick([
    '',
    base,
    `${base}/logs-${rng.int(4)}`,
    `${base}/a/../b`,
    `${base}/${'d'.repeat(255)}`,
    `${base}/${'e/'.repeat(200)}f`,
    `${base}/nul\u0000x`,
    `${base}/sp ace`,
    'relative/path',
    '/dev/null',
    `${base}/${randomString(rng, 256).replace(/\.\./g, '').replace(/\//g, '_').slice(0, 200)}`,
  ]);
}

export function randomImage(rng: Rng, w: FuzzWorld): string {
  const reg = w.registryHost ?? '127.0.0.1:1';
  return rng.pick([
    '',
    w.image ?? `${reg}/capstan/none:1`,
    `${reg}/fuzz/nothing:${rng.int(1000)}`,
    `${reg}/fuzz/UPPER:x`,
    `${reg}/fuzz/a@sha256:${'0'.repeat(64)}`,
    `${reg}/fuzz/a@sha256:short`,
    'not a reference!',
    '::::',
    `sha256:${rng.bytes(32).toString('hex')}`,
    `${reg}/${'n'.repeat(300)}`,
    `${reg}/fuzz/${randomString(rng, 1000).replace(/[^a-z0-9]/g, '')}z`,
  ]);
}

/** A random value for `field`: a list for a repeated field, an object for a map. */
export function randomValue(rng: Rng, field: protobuf.Field, w: FuzzWorld, depth: number): unknown {
  if (field.map) return randomMap(rng, field);
  if (field.repeated) {
    // Huge lists (top level only) repeat one small value; nested lists stay short, or the
    // message grows combinatorially.
    if (depth <= 1 && rng.chance(0.05)) {
      const one =
        field.resolvedType instanceof protobuf.Type
          ? {}
          : randomScalarOrMessage(rng, field, w, 7, 64);
      return Array.from({ length: rng.pick([10_000, 100_000]) }, () => one);
    }
    const n = rng.int(depth > 0 ? 4 : 50);
    return Array.from({ length: n }, () =>
      randomScalarOrMessage(rng, field, w, depth, n > 4 ? 4096 : undefined),
    );
  }
  return randomScalarOrMessage(rng, field, w, depth);
}

function randomMap(rng: Rng, field: protobuf.Field): Record<string, unknown> {
  const n = rng.chance(0.05) ? rng.pick([10_000, 60_000]) : rng.size(40);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = n > 100 ? `k${i}` : randomString(rng, 1024);
    out[k] =
      n > 100 ? 'v' : field.resolvedType instanceof protobuf.Type ? {} : randomString(rng, 4096);
  }
  return out;
}

function randomScalarOrMessage(
  rng: Rng,
  field: protobuf.Field,
  w: FuzzWorld,
  depth: number,
  maxBytes?: number,
): unknown {
  const g = guarded(rng, field, w);
  if (g !== undefined) return g;
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return depth > 6 ? {} : randomMessage(rng, rt, w, depth + 1);
  if (rt instanceof protobuf.Enum) {
    return rng.chance(0.6)
      ? rng.pick(Object.values(rt.values))
      : rng.pick([-1, 99, 2 ** 31 - 1, -(2 ** 31)]);
  }
  switch (field.type) {
    case 'string':
      return rng.chance(0.1) ? rng.pick(INVALID_UTF8) : randomString(rng, maxBytes);
    case 'bytes':
      return rng.bytes(rng.size(maxBytes ?? 1 << 20));
    case 'bool':
      // Non-canonical bools (2, 2^63) are valid varints a decoder must take as true.
      return rng.chance(0.2) ? new RawField(0, varint(rng.pick([2n, 2n ** 63n]))) : rng.chance(0.5);
    case 'double':
    case 'float':
      return rng.pick(FLOAT_EDGES);
    default:
      return randomInt(rng);
  }
}

/** A message with a random subset of its fields set to random values. */
export function randomMessage(rng: Rng, type: protobuf.Type, w: FuzzWorld, depth = 0): Msg {
  const msg: Msg = {};
  for (const f of type.fieldsArray) {
    if (rng.chance(depth === 0 ? 0.6 : 0.35)) msg[f.name] = randomValue(rng, f, w, depth);
  }
  return msg;
}

/** Sets 1-3 random fields anywhere in `msg` (nested messages created on the way). */
export function mutate(rng: Rng, type: protobuf.Type, msg: Msg, w: FuzzWorld): Msg {
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    let t = type;
    let m = msg;
    for (let depth = 0; ; depth++) {
      const f = rng.pick(t.fieldsArray);
      if (!f) break;
      const rt = f.resolvedType;
      if (rt instanceof protobuf.Type && !f.repeated && !f.map && depth < 8 && rng.chance(0.6)) {
        const child = (m[f.name] as Msg | undefined) ?? {};
        m[f.name] = child;
        t = rt;
        m = child;
        continue;
      }
      m[f.name] = randomValue(rng, f, w, depth);
      break;
    }
  }
  return msg;
}
