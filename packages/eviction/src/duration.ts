const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parse a duration in Go's `time.ParseDuration` syntax (what the kubelet's
 * `--eviction-soft-grace-period` takes): an optional sign, then one or more decimal
 * numbers each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`): `1m30s`, `1.5h`,
 * `500ms`. `0` alone needs no unit. Returns milliseconds (fractions kept), or `undefined`
 * when the text is not a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return undefined;
    const [whole, num = '', unit = ''] = m;
    const factor = UNIT_MS[unit];
    if (factor === undefined) return undefined;
    total += Number(num) * factor;
    s = s.slice(whole.length);
  }
  return sign * total;
}

/** Format milliseconds the way Go prints a duration (`1m30s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${+rest.toFixed(6)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = +(rest / 1000).toFixed(9);
  return `${neg ? '-' : ''}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}
