/** Percentiles, cost growth and number formats of the benchmark (pure functions). */

export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of a sample (milliseconds in, milliseconds out); NaN when empty. */
export function distribution(samples: readonly number[]): Distribution {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return {
    n: s.length,
    mean: mean(s),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: s.at(-1) ?? Number.NaN,
  };
}

/** Arithmetic mean; NaN when empty. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of samples) sum += v;
  return sum / samples.length;
}

/** How much dearer the last pods of a density run were to start than the first. */
export interface Growth {
  /** Pods in each tenth compared (at least 1). */
  pods: number;
  /** Mean start of the first 10% of pods, in the order they were started (ms). */
  firstMeanMs: number;
  /** Mean start of the last 10% (ms). */
  lastMeanMs: number;
  /** last / first − 1, e.g. 0.15 for +15%. */
  change: number;
}

/**
 * Cost growth of a density run: mean of the first 10% vs the last 10% of `inOrder` (pod
 * start times in the order the pods were started; at least one pod each side).
 */
export function growth(inOrder: readonly number[]): Growth {
  const k = Math.max(1, Math.floor(inOrder.length / 10));
  const firstMeanMs = mean(inOrder.slice(0, k));
  const lastMeanMs = mean(inOrder.slice(-k));
  return {
    pods: inOrder.length === 0 ? 0 : k,
    firstMeanMs,
    lastMeanMs,
    change: lastMeanMs / firstMeanMs - 1,
  };
}

export const fmtMs = (v: number) =>
  !Number.isFinite(v) ? 'n/a' : v < 10 ? v.toFixed(2) : v.toFixed(1);
export const fmtRatio = (v: number, base: number) =>
  Number.isFinite(v / base) && base > 0 ? `${(v / base).toFixed(2)}x` : 'n/a';
export const fmtMiB = (bytes: number) =>
  !Number.isFinite(bytes) ? 'n/a' : (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 1);
export const fmtPct = (v: number) =>
  !Number.isFinite(v) ? 'n/a' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)}%`;
