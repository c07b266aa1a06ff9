/** Percentiles and the table rows of the benchmark. */

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of a sample (milliseconds in, milliseconds out). */
export function distribution(samples: readonly number[]): Distribution {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99), max: s.at(-1) ?? Number.NaN };
}

export const fmtMs = (v: number) =>
  Number.isNaN(v) ? 'n/a' : v < 10 ? v.toFixed(2) : v.toFixed(1);
export const fmtRatio = (v: number, base: number) =>
  Number.isFinite(v / base) && base > 0 ? `${(v / base).toFixed(2)}x` : 'n/a';
