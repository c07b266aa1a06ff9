import { InvalidArgumentError as FlagError } from 'commander';
import { stringify } from 'yaml';
import type { Io } from './cli-io.js';

export type OutputFormat = 'json' | 'yaml' | 'table';

/** A commander value parser for `-o`: accepts only `allowed`. */
export function outputFormat(allowed: readonly OutputFormat[]) {
  return (value: string): OutputFormat => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new FlagError(`"${value}" is not one of ${allowed.join(', ')}`);
    }
    return value as OutputFormat;
  };
}

/** Prints a JSON-shaped value (a message's toJSON) as indented JSON or YAML. */
export function printStructured(io: Io, format: OutputFormat, value: unknown): void {
  if (format === 'yaml') io.out(stringify(value));
  else io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * crictl's inspect shape: `{ status, <info key>: <parsed JSON> ... }`. Verbose info values
 * are JSON text; those that do not parse are kept as strings.
 */
export function statusWithInfo(
  status: unknown,
  info: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { status };
  for (const key of Object.keys(info).sort()) {
    const raw = info[key]!;
    try {
      out[key] = JSON.parse(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

/** A commander collector for repeatable `--label key=value`. */
export function collectLabel(value: string, previous: Record<string, string> = {}) {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new FlagError(`"${value}" is not key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** A commander parser for a non-negative integer flag. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new FlagError(`"${value}" is not a non-negative integer`);
  }
  return n;
}

/** A commander parser for a regular expression flag. */
export function regex(value: string): RegExp {
  try {
    return new RegExp(value);
  } catch (err) {
    throw new FlagError(`not a regular expression: ${(err as Error).message}`);
  }
}
