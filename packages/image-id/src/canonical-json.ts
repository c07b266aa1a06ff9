import { CanonicalJsonError } from './errors.js';

/** A value {@link canonicalJson} accepts: JSON data made of plain objects and arrays. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Serializes a value as canonical JSON, so that equal data always hashes the same.
 *
 * Canonical here means RFC 8785 (JSON Canonicalization Scheme) for the values JavaScript
 * holds:
 * - object members sorted by key, comparing UTF-16 code units (JavaScript's default sort);
 * - no whitespace between tokens;
 * - strings and numbers written as `JSON.stringify` writes them (shortest round-trip
 *   numbers, `-0` as `0`; only `"`, `\` and control characters escaped);
 * - members whose value is `undefined` left out, as `JSON.stringify` does.
 *
 * It is not byte-for-byte Go's `encoding/json`, which escapes `<`, `>` and `&` and sorts
 * keys by UTF-8 bytes: hash the bytes you received, never a re-encoding, to verify a blob.
 *
 * @throws {@link CanonicalJsonError} for non-finite numbers, bigints, functions, symbols,
 *   `undefined` outside an object member, strings with unpaired surrogates, objects
 *   that are not plain (Date, Map, class instances...) and cycles; `path` says where.
 */
export function canonicalJson(value: JsonValue): string {
  const parts: string[] = [];
  write(value as unknown, '', parts, new Set());
  return parts.join('');
}

function write(value: unknown, path: string, out: string[], stack: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) {
        throw new CanonicalJsonError(path, 'string has an unpaired UTF-16 surrogate');
      }
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} is not finite`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(path, `a ${typeof value} is not JSON`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (stack.has(value)) throw new CanonicalJsonError(path, 'the value is cyclic');
  stack.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], `${path}[${i}]`, out, stack);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalJsonError(path, 'only plain objects and arrays are JSON');
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      if (!first) out.push(',');
      first = false;
      const memberPath = path === '' ? key : `${path}.${key}`;
      if (LONE_SURROGATE.test(key)) {
        throw new CanonicalJsonError(memberPath, 'key has an unpaired UTF-16 surrogate');
      }
      out.push(JSON.stringify(key), ':');
      write(member, memberPath, out, stack);
    }
    out.push('}');
  }
  stack.delete(value);
}
