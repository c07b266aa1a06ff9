import { InvalidArgumentError } from './errors.js';

/** A Kubernetes resource quantity: a string (`500m`, `128Mi`, `1.5`, `2e3`) or a number of base units. */
export type Quantity = string | number;

const DECIMAL_EXP: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 1_000_000_000n;

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * Parse a quantity into nano-units, exactly (a bigint), following the Kubernetes grammar:
 * a decimal number then a binary suffix (Ki..Ei), a decimal suffix (n, u, m, k, M..E) or
 * an exponent (e3, E-2). Precision below one nano-unit is rounded up, as Kubernetes does.
 *
 * @throws {InvalidArgumentError} for malformed or negative quantities.
 */
export function parseQuantityNanos(q: Quantity, field = 'quantity'): bigint {
  let text: string;
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new InvalidArgumentError(`${field} ${q} is not a finite number`);
    text = String(q);
  } else if (typeof q === 'string') {
    text = q.trim();
  } else {
    throw new InvalidArgumentError(`${field} ${String(q)} is not a quantity`);
  }
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(
    text,
  );
  if (!m)
    throw new InvalidArgumentError(
      `${field} ${JSON.stringify(q)} is not a Kubernetes quantity (e.g. "500m", "128Mi", "2")`,
    );
  const [, sign, num = '0', suffix = ''] = m;
  if (sign === '-' && /[1-9]/.test(num))
    throw new InvalidArgumentError(`${field} ${JSON.stringify(q)} is negative`);
  const [intPart = '0', fracPart = ''] = num.split('.');
  const mantissa = BigInt(`${intPart || '0'}${fracPart}`);
  const scale = 10n ** BigInt(fracPart.length);
  const bin = BINARY_EXP[suffix];
  if (bin !== undefined) return ceilDiv(mantissa * NANO * (1n << BigInt(bin)), scale);
  const exp = /^[eE][+-]?\d+$/.test(suffix) ? Number(suffix.slice(1)) : (DECIMAL_EXP[suffix] ?? 0);
  if (Math.abs(exp) > 60)
    throw new InvalidArgumentError(`${field} ${JSON.stringify(q)} has an exponent out of range`);
  return exp >= 0
    ? ceilDiv(mantissa * NANO * 10n ** BigInt(exp), scale)
    : ceilDiv(mantissa * NANO, scale * 10n ** BigInt(-exp));
}

/** A quantity in milli-units, rounded up (Kubernetes `MilliValue`): `0.5` cpu -> 500. */
export function quantityMilli(q: Quantity, field?: string): number {
  return Number(ceilDiv(parseQuantityNanos(q, field), 1_000_000n));
}

/** A quantity in base units, rounded up (Kubernetes `Value`): `128Mi` -> 134217728. */
export function quantityValue(q: Quantity, field?: string): number {
  return Number(ceilDiv(parseQuantityNanos(q, field), NANO));
}
