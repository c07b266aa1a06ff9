import { ApiStatusError, badRequest } from './api-status.js';

// The three patch formats kubectl sends: JSON merge patch (RFC 7386), strategic merge
// patch (Kubernetes' merge with list merge keys and `$patch` directives) and JSON patch
// (RFC 6902). Server-side apply (application/apply-patch+yaml) is not served.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const PATCH_TYPES = [
  'application/strategic-merge-patch+json',
  'application/merge-patch+json',
  'application/json-patch+json',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if ((PATCH_TYPES as readonly string[]).includes(type)) return type as PatchType;
  if (type === 'application/apply-patch+yaml') {
    throw new ApiStatusError(
      415,
      'UnsupportedMediaType',
      'server-side apply is not supported by this node agent: use client-side `kubectl apply` (without --server-side)',
    );
  }
  throw new ApiStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
  );
}

/** Applies a patch of the given type to a copy of `target`. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  const copy = structuredClone(target) as Json;
  switch (type) {
    case 'application/merge-patch+json':
      return mergePatch(copy, patch as Json);
    case 'application/strategic-merge-patch+json':
      if (!isObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      return strategicMerge(copy, patch, '') ?? {};
    case 'application/json-patch+json':
      return jsonPatch(copy, patch);
  }
}

/** RFC 7386. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

// patchMergeKey of core/v1 lists with patchStrategy "merge", by field name.
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  resourceClaims: 'name',
  resizePolicy: 'resourceName',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
  ownerReferences: 'uid',
};
// Primitive lists with patchStrategy "merge" (a union).
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/** Strategic merge patch; returns undefined when a `$patch: delete` removes the map. */
function strategicMerge(
  original: Json | undefined,
  patch: JsonObject,
  field: string,
): Json | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive !== undefined)
    throw badRequest(
      `unknown patch directive "${String(directive)}" at ${field || 'the top level'}`,
    );
  const out: JsonObject = isObject(original) ? { ...original } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const list = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[list];
      if (Array.isArray(current) && Array.isArray(value)) {
        out[list] = current.filter((x) => !value.includes(x));
      }
      continue;
    }
    if (key.startsWith('$')) throw badRequest(`unknown patch directive "${key}"`);
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      out[key] = mergeList(out[key], value, key);
    } else if (isObject(value)) {
      const merged = strategicMerge(out[key], value, key);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(original: Json | undefined, patch: Json[], field: string): Json[] {
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map(stripDirectives);
  }
  const current = Array.isArray(original) ? [...original] : [];
  if (MERGED_PRIMITIVE_LISTS.has(field)) {
    return [...current, ...patch.filter((p) => !current.includes(p))];
  }
  const mergeKey = MERGE_KEYS[field];
  if (mergeKey === undefined || !patch.every(isObject)) return patch.map(stripDirectives);
  for (const item of patch as JsonObject[]) {
    const key = item[mergeKey];
    const at = current.findIndex((c) => isObject(c) && c[mergeKey] === key);
    if (item.$patch === 'delete') {
      if (at >= 0) current.splice(at, 1);
    } else if (at >= 0) {
      current[at] = strategicMerge(current[at], item, field) ?? {};
    } else {
      current.push(stripDirectives(item));
    }
  }
  return current;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

/** RFC 6902, with RFC 6901 pointers. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be a list of operations');
  let doc = target;
  for (const [i, op] of ops.entries()) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest(`JSON patch operation ${i}: needs "op" and "path"`);
    }
    const get = (path: string): Json => {
      let cur: Json = doc;
      for (const token of pointer(path)) {
        const next: Json | undefined = Array.isArray(cur)
          ? cur[Number(token)]
          : isObject(cur)
            ? cur[token]
            : undefined;
        if (next === undefined)
          throw badRequest(`JSON patch operation ${i}: path ${path} does not exist`);
        cur = next;
      }
      return cur;
    };
    const put = (path: string, value: Json | undefined, insert: boolean) => {
      const tokens = pointer(path);
      if (tokens.length === 0) {
        doc = value ?? null;
        return;
      }
      const last = tokens.pop() as string;
      const parent = tokens.length === 0 ? doc : get(`/${tokens.map(escapeToken).join('/')}`);
      if (Array.isArray(parent)) {
        const idx = last === '-' ? parent.length : Number(last);
        if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) {
          throw badRequest(`JSON patch operation ${i}: bad array index in ${path}`);
        }
        if (value === undefined) parent.splice(idx, 1);
        else if (insert) parent.splice(idx, 0, value);
        else parent[idx] = value;
      } else if (isObject(parent)) {
        if (value === undefined) {
          if (!(last in parent))
            throw badRequest(`JSON patch operation ${i}: path ${path} does not exist`);
          delete parent[last];
        } else parent[last] = value;
      } else {
        throw badRequest(`JSON patch operation ${i}: the parent of ${path} is not a container`);
      }
    };
    const value = op.value as Json;
    switch (op.op) {
      case 'add':
        put(op.path, value, true);
        break;
      case 'remove':
        get(op.path);
        put(op.path, undefined, false);
        break;
      case 'replace':
        get(op.path);
        put(op.path, value, false);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string')
          throw badRequest(`JSON patch operation ${i}: needs "from"`);
        const v = structuredClone(get(op.from));
        if (op.op === 'move') put(op.from, undefined, false);
        put(op.path, v, true);
        break;
      }
      case 'test':
        if (JSON.stringify(get(op.path)) !== JSON.stringify(value)) {
          throw new ApiStatusError(422, 'Invalid', `JSON patch test failed at ${op.path}`);
        }
        break;
      default:
        throw badRequest(`JSON patch operation ${i}: unknown op "${op.op}"`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`JSON pointer "${path}" must start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Structural equality of JSON values (key order of objects does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
