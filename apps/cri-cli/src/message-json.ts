import type { MessageFns } from '@capstan/cri-api';
import * as cri from '@capstan/cri-api';
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

/** The name of value 0 of every CRI enum (`SANDBOX_READY`, `CONTAINER_CREATED`, `POD`...). */
const ZERO_NAMES: string[] = Object.values(cri).flatMap((v) => {
  if (typeof v !== 'object' || v === null) return [];
  const zero = (v as Record<number | string, unknown>)[0];
  return typeof zero === 'string' && (v as Record<string, unknown>)[zero] === 0 ? [zero] : [];
});

/** Name of value 0 of the enum in `field`, or undefined when the field is a plain number. */
function zeroEnumName(probe: Probe, field: string): string | undefined {
  if (!isEnumField(probe, field)) return undefined;
  return ZERO_NAMES.find((name) => jsonValue(probe, field, name) === 0);
}

function fill(message: Obj, json: Obj, probe: Probe): Obj {
  const base = probe.partial({}) as Obj;
  const out: Obj = {};
  for (const [key, value] of Object.entries(message)) {
    const given = json[key];
    if (value === undefined) continue; // an unset message
    if (Array.isArray(value)) {
      if (isScalarList(probe, key)) out[key] = given ?? [];
      else {
        const el = elementProbe(probe, key);
        out[key] = value.map((v, i) =>
          fill(v as Obj, ((given as Obj[] | undefined) ?? [])[i] ?? {}, el),
        );
      }
    } else if (isObj(value)) {
      out[key] = isObj(base[key])
        ? (given ?? {})
        : fill(value, (given as Obj | undefined) ?? {}, fieldProbe(probe, key));
    } else if (given !== undefined) {
      out[key] = given;
    } else if (typeof value === 'bigint') {
      out[key] = '0';
    } else if (value instanceof Uint8Array) {
      out[key] = '';
    } else if (typeof value === 'number') {
      out[key] = zeroEnumName(probe, key) ?? 0;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * A message as JSON like crictl prints it (protojson with unpopulated fields): the
 * generated `toJSON` (camelCase, int64 as strings, enum names), plus the fields it leaves
 * out for holding their zero value, so a ready pod shows `"state": "SANDBOX_READY"` and an
 * exit code of 0 shows `"exitCode": 0`. Unset messages stay out.
 */
export function messageJson<T>(codec: MessageFns<T>, message: T): Obj {
  const json = codec.toJSON(message) as Obj;
  return fill(message as unknown as Obj, json, rootProbe(codec));
}
