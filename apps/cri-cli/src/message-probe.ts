import type { MessageFns } from '@capstan/cri-api';

export type Obj = Record<string, unknown>;

/**
 * The generated codec of a root message, seen at one field path: `partial(v)` is what
 * `fromPartial` makes of `v` placed there, `json(v)` what `fromJSON` makes of it. The codecs
 * are the schema: they tell which keys a message has, which fields are maps, lists of
 * messages or enums, without a copy of the .proto.
 */
export interface Probe {
  partial(value: unknown): unknown;
  json(value: unknown): unknown;
}

export function rootProbe<T>(codec: MessageFns<T>): Probe {
  const loose = codec as unknown as {
    fromPartial(o: unknown): unknown;
    fromJSON(o: unknown): unknown;
  };
  return { partial: (v) => loose.fromPartial(v), json: (v) => loose.fromJSON(v) };
}

const at = (probe: (v: unknown) => unknown, field: string) => (v: unknown) =>
  (probe({ [field]: v }) as Obj)[field];
const first = (probe: (v: unknown) => unknown, field: string) => (v: unknown) =>
  ((probe({ [field]: [v] }) as Obj)[field] as unknown[])[0];

/** The message in field `field`. */
export function fieldProbe(probe: Probe, field: string): Probe {
  return { partial: at(probe.partial, field), json: at(probe.json, field) };
}

/** An element of the repeated field `field`. */
export function elementProbe(probe: Probe, field: string): Probe {
  return { partial: first(probe.partial, field), json: first(probe.json, field) };
}

/** True if `field` (a repeated field) holds plain values, not messages. */
export function isScalarList(probe: Probe, field: string): boolean {
  const marker = {};
  // fromPartial copies plain list elements as they are and rebuilds message elements.
  return first(probe.partial, field)(marker) === marker;
}

/** The value fromJSON gives field `field` for `value` (enum names, base64 bytes). */
export function jsonValue(probe: Probe, field: string, value: unknown): unknown {
  return at(probe.json, field)(value);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** True if the number field `field` is an enum: fromJSON answers -1 (UNRECOGNIZED) for a
 * name it does not know, where a plain number field answers NaN. */
export function isEnumField(probe: Probe, field: string): boolean {
  return jsonValue(probe, field, '\u0000') === -1;
}
