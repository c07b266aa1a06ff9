/** crictl's truncated ID length (`ps`, `pods`, `images`, `stats`). */
const TRUNCATED_ID_LENGTH = 13;

/** The first 13 characters of an ID, after dropping a `sha256:`-style algorithm prefix. */
export function truncateId(id: string): string {
  const bare = id.replace(/^[a-z0-9]+:/, '');
  return bare.slice(0, TRUNCATED_ID_LENGTH);
}

/**
 * Aligns rows like Go's tabwriter as crictl sets it up (minwidth 20, padding 3, spaces):
 * every column but the last is max(20, widest cell + 3) wide.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [headers, ...rows];
  const widths = headers.map((_h, col) =>
    Math.max(20, ...all.map((r) => [...(r[col] ?? '')].length + 3)),
  );
  return all
    .map((r) =>
      r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Go's `%.<precision>g`: shortest of fixed and exponent form, trailing zeros dropped. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))));
  if (exponent < -4 || exponent >= precision) {
    const [mantissa, exp] = value.toExponential(precision - 1).split('e');
    const m = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exponent));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: decimal units, `4.19MB`. crictl images uses precision 3. */
export function humanSize(bytes: number | bigint, precision = 4): string {
  let size = Number(bytes);
  let unit = 0;
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${formatG(size, precision)}${DECIMAL_UNITS[unit]}`;
}

/** go-units HumanDuration, as crictl prints CREATED ("About a minute", "3 hours"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** CREATED column text for a CRI nanosecond timestamp. */
export function createdAgo(createdAtNs: bigint, nowMs = Date.now()): string {
  const ms = nowMs - Number(createdAtNs / 1_000_000n);
  return `${humanDuration(Math.max(0, ms))} ago`;
}
