import { InvalidArgumentError } from './errors.js';

/** The largest CPU or memory node number accepted in a cpuset list. */
const MAX_CPUSET_ID = 1 << 16;

/**
 * Parse a cpuset list (`0-3,6,8-9`; the empty string is the empty set) into sorted ids.
 *
 * @throws {InvalidArgumentError} for malformed lists such as `1-`, `3-1`, `a`, `1,,2`.
 */
export function parseCpuset(list: string, field = 'cpuset'): number[] {
  if (typeof list !== 'string')
    throw new InvalidArgumentError(`${field} ${String(list)} is not a string`);
  const text = list.trim();
  if (text === '') return [];
  const ids = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m?.[1]) {
      throw new InvalidArgumentError(
        `${field} ${JSON.stringify(list)} is not a cpuset list: bad element ${JSON.stringify(part)} (expected N or N-M, e.g. "0-3,6")`,
      );
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo)
      throw new InvalidArgumentError(
        `${field} ${JSON.stringify(list)} has a descending range ${part}`,
      );
    if (hi > MAX_CPUSET_ID)
      throw new InvalidArgumentError(
        `${field} ${JSON.stringify(list)} names id ${hi}, above ${MAX_CPUSET_ID}`,
      );
    for (let i = lo; i <= hi; i++) ids.add(i);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Format ids as the kernel prints a cpuset list (`0-3,6`). */
export function formatCpuset(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] as number;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      end += 1;
      i += 1;
    }
    out.push(start === end ? `${start}` : `${start}-${end}`);
    i += 1;
  }
  return out.join(',');
}
