// Checked readers for untrusted JSON documents (internal). Every failure is an
// InvalidManifestError naming the path of the offending value. Optional fields accept
// `null` as absent: Go encoders write `null` for nil slices and maps.

import { type Digest, parseDigest } from './digest-parse.js';
import { InvalidDigestError, InvalidManifestError } from './errors.js';

/** A parsed JSON object. */
export type JsonObject = { readonly [key: string]: unknown };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The most bytes a manifest may have unless the caller says otherwise (4 MiB). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Decodes UTF-8 JSON text into a value. */
export function decodeJson(content: Uint8Array | string, maxBytes: number, what: string): unknown {
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  if (size > maxBytes) {
    throw new InvalidManifestError(
      '',
      `${what} is ${size} bytes, more than the limit of ${maxBytes}`,
    );
  }
  let text: string;
  if (typeof content === 'string') text = content;
  else {
    try {
      text = decoder.decode(content);
    } catch (err) {
      throw new InvalidManifestError('', `${what} is not valid UTF-8`, { cause: err });
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InvalidManifestError('', `${what} is not valid JSON: ${detail}`, { cause: err });
  }
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value as an object. */
export function asObject(value: unknown, path: string, what = 'an object'): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidManifestError(path, `expected ${what}, got ${kindOf(value)}`);
  }
  return value as JsonObject;
}

/** A member that must be present (and not null). */
export function required(o: JsonObject, key: string, path: string): unknown {
  const value = Object.hasOwn(o, key) ? o[key] : undefined;
  if (value === undefined || value === null) {
    throw new InvalidManifestError(join(path, key), 'is required');
  }
  return value;
}

/** A member that may be absent or null (both read as undefined). */
export function optional(o: JsonObject, key: string): unknown {
  const value = Object.hasOwn(o, key) ? o[key] : undefined;
  return value === null ? undefined : value;
}

/** The value as a string. */
export function asString(value: unknown, path: string): string {
  if (typeof value !== 'string')
    throw new InvalidManifestError(path, `expected a string, got ${kindOf(value)}`);
  return value;
}

/** An optional string member. */
export function optString(o: JsonObject, key: string, path: string): string | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : asString(value, join(path, key));
}

/** An optional boolean member. */
export function optBoolean(o: JsonObject, key: string, path: string): boolean | undefined {
  const value = optional(o, key);
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidManifestError(join(path, key), `expected a boolean, got ${kindOf(value)}`);
}

/** The value as an array. */
export function asArray(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value))
    throw new InvalidManifestError(path, `expected an array, got ${kindOf(value)}`);
  return value;
}

/** An optional array of strings. */
export function optStringArray(o: JsonObject, key: string, path: string): string[] | undefined {
  const value = optional(o, key);
  if (value === undefined) return undefined;
  const p = join(path, key);
  return asArray(value, p).map((item, i) => asString(item, `${p}[${i}]`));
}

/** An optional string-to-string map (annotations, labels). */
export function optStringMap(
  o: JsonObject,
  key: string,
  path: string,
): Record<string, string> | undefined {
  const value = optional(o, key);
  if (value === undefined) return undefined;
  const p = join(path, key);
  const entries = Object.entries(asObject(value, p, 'a map of strings'));
  // Object.fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(entries.map(([k, v]) => [k, asString(v, `${p}.${k}`)]));
}

/** An optional object whose keys are the data (`{"80/tcp": {}}`): the keys, in order. */
export function optKeySet(o: JsonObject, key: string, path: string): string[] | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : Object.keys(asObject(value, join(path, key)));
}

/** A byte count: a non-negative safe integer. */
export function asSize(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidManifestError(
      path,
      `expected a size in bytes, got ${JSON.stringify(value) ?? kindOf(value)}`,
    );
  }
  return value;
}

/** A digest string. */
export function asDigest(value: unknown, path: string): Digest {
  const s = asString(value, path);
  try {
    return parseDigest(s).digest;
  } catch (err) {
    if (err instanceof InvalidDigestError)
      throw new InvalidManifestError(path, err.message, { cause: err });
    throw err;
  }
}

/** Joins a path and a member key. */
export { join as joinPath };
