/** Nanoseconds since the Unix epoch: the resolution of a CRI log timestamp. */
export type EpochNanos = bigint;

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * Parses an RFC 3339 time with up to nine fractional digits (Go's `time.RFC3339Nano`, what
 * every CRI runtime writes) to nanoseconds since the epoch. Undefined when it is not one,
 * including impossible dates (`2024-13-01`).
 */
export function parseRfc3339Nano(ts: string): EpochNanos | undefined {
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/**
 * Formats nanoseconds since the epoch as Go's `time.RFC3339Nano` in UTC: trailing zeros of
 * the fraction dropped, no fraction at all on a whole second (`2024-05-01T10:00:00.5Z`).
 */
export function formatRfc3339Nano(ns: EpochNanos): string {
  let sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    sec -= 1n;
  }
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const digits = frac === 0n ? '' : `.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${digits}Z`;
}

/**
 * A written RFC 3339 time with exactly nine fraction digits, its offset kept: how the
 * kubelet prints log timestamps (`2006-01-02T15:04:05.000000000Z07:00`), where runtimes
 * write Go's RFC3339Nano with the trailing zeros dropped. Other text is returned as it is.
 */
export function fixedRfc3339Nano(ts: string): string {
  const m = RFC3339.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}` : ts;
}

/** A wall clock in nanoseconds that never repeats or goes back within one process. */
export function monotonicWallClock(): () => EpochNanos {
  let last = 0n;
  return () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    last = now > last ? now : last + 1n;
    return last;
  };
}

/** `Date` or nanoseconds to nanoseconds. */
export function toEpochNanos(t: Date | EpochNanos): EpochNanos {
  return typeof t === 'bigint' ? t : BigInt(t.getTime()) * 1_000_000n;
}
