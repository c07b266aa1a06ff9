import type { MessageFns } from '@capstan/cri-api';
import {
  elementProbe,
  fieldProbe,
  isEnumField,
  isObj,
  isScalarList,
  jsonValue,
  type Obj,
  type Probe,
  rootProbe,
} from './message-probe.js';

/** A pod or container config file that does not have the shape of its CRI message. */
export class SpecShapeError extends Error {
  override name = 'SpecShapeError';
}

/** `log_directory` → `logDirectory`; camelCase keys pass unchanged. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Converts a decoded config document written with crictl's field names (snake_case, as in
 * its examples; camelCase is accepted too) into the generated message type. The generated
 * codec is the schema: a key that is not a field of its message, a list where an object
 * belongs, a string in a boolean field or an unknown enum name is a SpecShapeError naming
 * the path. Map keys (labels, annotations, sysctls) are data and are kept as written.
 * Numbers given for 64-bit fields become bigints; enums may be numbers or names
 * (`network: 2` or `network: NODE`).
 */
export function convertSpec<T>(codec: MessageFns<T>, document: unknown): T {
  const converted = convertMessage(document, rootProbe(codec), '');
  return (codec as unknown as { fromPartial(o: unknown): T }).fromPartial(converted);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function convertMessage(input: unknown, probe: Probe, path: string): Obj {
  if (!isObj(input)) {
    throw new SpecShapeError(
      `${path ? `"${path}"` : 'the document'}: expected an object, got ${describe(input)}`,
    );
  }
  const base = probe.partial({}) as Obj;
  const out: Obj = {};
  const from = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    const field = snakeToCamel(key);
    const where = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(base, field)) throw new SpecShapeError(`unknown field "${where}"`);
    const earlier = from.get(field);
    if (earlier !== undefined) {
      throw new SpecShapeError(`"${where}" and "${earlier}" are the same field; give it once`);
    }
    from.set(field, where);
    if (value === null || value === undefined) continue;
    out[field] = convertField(value, base[field], field, probe, where);
  }
  return out;
}

function convertField(value: unknown, def: unknown, field: string, probe: Probe, where: string) {
  if (Array.isArray(def)) {
    if (!Array.isArray(value))
      throw new SpecShapeError(`"${where}": expected a list, got ${describe(value)}`);
    const scalars = isScalarList(probe, field);
    const element = elementProbe(probe, field);
    return value.map((e, i) => {
      const w = `${where}[${i}]`;
      if (!scalars) return convertMessage(e, element, w);
      if (typeof e === 'object' || e === null) {
        throw new SpecShapeError(`"${w}": expected a plain value, got ${describe(e)}`);
      }
      return element.json(e);
    });
  }
  if (def === undefined) {
    // A message field: fromPartial leaves unset messages undefined.
    return convertMessage(value, fieldProbe(probe, field), where);
  }
  if (isObj(def)) {
    // A map<string, string>: keys are data, values must be plain.
    if (!isObj(value))
      throw new SpecShapeError(`"${where}": expected a map, got ${describe(value)}`);
    const map: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'object' && v !== null) {
        throw new SpecShapeError(`"${where}.${k}": expected a string, got ${describe(v)}`);
      }
      map[k] = String(v ?? '');
    }
    return map;
  }
  return convertScalar(value, def, field, probe, where);
}

function convertScalar(value: unknown, def: unknown, field: string, probe: Probe, where: string) {
  const wrong = (expected: string) =>
    new SpecShapeError(`"${where}": expected ${expected}, got ${describe(value)}`);
  switch (typeof def) {
    case 'string':
      if (typeof value === 'object') throw wrong('a string');
      return String(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'bigint':
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
      throw wrong('an integer');
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
      const isEnum = isEnumField(probe, field);
      if (typeof value === 'string' && isEnum) {
        const n = jsonValue(probe, field, value);
        if (typeof n === 'number' && n >= 0) return n;
        throw new SpecShapeError(`"${where}": ${JSON.stringify(value)} is not a known value`);
      }
      throw wrong(isEnum ? 'a number or a value name' : 'a number');
    }
    default:
      if (def instanceof Uint8Array) {
        if (typeof value !== 'string') throw wrong('base64 text');
        return jsonValue(probe, field, value);
      }
      return value;
  }
}
