import { parseQuantityNanos } from '@capstan/cgroups';
import { parseGoDuration } from './duration.js';
import {
  DuplicateSignalError,
  type EvictionSetting,
  InvalidDurationError,
  InvalidMinimumReclaimError,
  InvalidPercentageError,
  InvalidQuantityError,
  InvalidSettingError,
  MalformedStatementError,
  MissingGracePeriodError,
  NegativeDurationError,
  NonPositiveThresholdError,
  PercentageOutOfRangeError,
  UnknownSignalError,
} from './errors.js';
import { isSignal, SIGNALS, type Signal } from './signal.js';
import type { Threshold, ThresholdValue } from './threshold.js';

/**
 * A list of statements in either form the kubelet accepts: its flag syntax
 * (`"memory.available<100Mi,nodefs.available<10%"` for thresholds,
 * `"memory.available=1m30s"` for grace periods and minimum reclaims) or its
 * KubeletConfiguration map (`{ "memory.available": "100Mi" }`).
 */
export type StatementList = string | Readonly<Record<string, string>>;

/** Eviction settings as the kubelet takes them (flags or KubeletConfiguration fields). */
export interface EvictionSettings {
  /** `--eviction-hard` / `evictionHard`. */
  hard?: StatementList;
  /** `--eviction-soft` / `evictionSoft`; every signal needs a grace period. */
  soft?: StatementList;
  /** `--eviction-soft-grace-period` / `evictionSoftGracePeriod` (Go durations). */
  softGracePeriod?: StatementList;
  /** `--eviction-minimum-reclaim` / `evictionMinimumReclaim`. */
  minimumReclaim?: StatementList;
  /** `--eviction-max-pod-grace-period`: the longest grace a soft eviction gives a pod (s). */
  maxPodGracePeriodSeconds?: number;
  /** `--eviction-pressure-transition-period`: a Go duration, or milliseconds (default 5m). */
  pressureTransitionPeriod?: string | number;
  /** `--enforce-node-allocatable`: with `pods`, hard `memory.available` thresholds are copied to `allocatableMemory.available`. */
  enforceNodeAllocatable?: readonly string[];
}

/** Parsed settings, ready for {@link EvictionConfig}. */
export interface ParsedEvictionSettings {
  /** Hard thresholds, then soft ones (with grace periods), then allocatable copies. */
  thresholds: Threshold[];
  /** The longest grace period of a soft eviction, in seconds. */
  maxPodGracePeriodSeconds: number;
  /** How long a node condition stays set after its last threshold cleared, in ms. */
  pressureTransitionPeriodMs: number;
}

/** The kubelet's default `--eviction-hard` on Linux. */
export const DEFAULT_EVICTION_HARD =
  'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%';

/** The kubelet's default `--eviction-pressure-transition-period`: 5 minutes. */
export const DEFAULT_PRESSURE_TRANSITION_PERIOD_MS = 5 * 60_000;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Split a list into [signal, value] pairs on `sep`, checking signals and duplicates. */
function statements(list: StatementList, sep: '<' | '=', setting: EvictionSetting) {
  const pairs: Array<[Signal, string]> = [];
  const seen = new Set<string>();
  const add = (key: string, value: string) => {
    if (!isSignal(key)) throw new UnknownSignalError(setting, key, SIGNALS);
    if (seen.has(key)) throw new DuplicateSignalError(setting, key);
    seen.add(key);
    pairs.push([key, value]);
  };
  if (typeof list !== 'string') {
    for (const [k, v] of Object.entries(list)) add(k.trim(), String(v).trim());
    return pairs;
  }
  for (const raw of list.split(',')) {
    const s = raw.trim();
    if (s === '') continue;
    const at = s.indexOf(sep);
    if (at <= 0) throw new MalformedStatementError(setting, s, `<signal>${sep}<value>`);
    add(s.slice(0, at).trim(), s.slice(at + 1).trim());
  }
  return pairs;
}

function parsePercent(setting: EvictionSetting, signal: string, value: string): number {
  const num = value.slice(0, -1).trim();
  if (!NUMBER.test(num)) throw new InvalidPercentageError(setting, signal, value);
  // strconv.ParseFloat(s, 32) then float32 division, as the kubelet's parsePercentage.
  return Math.fround(Math.fround(Number(num)) / 100);
}

/** Parse a quantity; `negative` tells a well-formed negative value from a malformed one. */
function parseAmount(
  setting: EvictionSetting,
  signal: string,
  value: string,
): { amount: number; negative: boolean } {
  const negative = value.startsWith('-');
  try {
    const nanos = parseQuantityNanos(negative ? value.slice(1) : value, `${signal}`);
    // Quantity.Value(): whole units, rounded up.
    return { amount: Number((nanos + 999_999_999n) / 1_000_000_000n), negative };
  } catch (err) {
    throw new InvalidQuantityError(setting, signal, value, { cause: err });
  }
}

/**
 * Parse the value of a threshold statement (`100Mi`, `10%`, `1k`), as the kubelet's
 * `parseThresholdStatement`. `0%` and `100%` mean "no threshold" and give `undefined`.
 *
 * @throws {InvalidQuantityError} | {InvalidPercentageError} | {PercentageOutOfRangeError} |
 *   {NonPositiveThresholdError}
 */
export function parseThresholdValue(
  signal: Signal,
  value: string,
  setting: EvictionSetting = 'threshold',
): ThresholdValue | undefined {
  if (value.endsWith('%')) {
    if (value === '0%' || value === '100%') return undefined;
    const percentage = parsePercent(setting, signal, value);
    if (percentage < 0 || percentage > 1)
      throw new PercentageOutOfRangeError(setting, signal, value);
    return { kind: 'percentage', percentage, text: value };
  }
  const { amount, negative } = parseAmount(setting, signal, value);
  if (negative || amount === 0) throw new NonPositiveThresholdError(setting, signal, value);
  return { kind: 'quantity', quantity: amount, text: value };
}

/**
 * Parse one threshold statement in the kubelet's syntax: `memory.available<100Mi`,
 * `nodefs.available<10%`, `pid.available<1k`. A hard threshold unless a grace period is
 * given. `undefined` for `0%` / `100%`, which the kubelet ignores.
 *
 * @throws {MalformedStatementError} | {UnknownSignalError} | the value errors of
 *   {@link parseThresholdValue}
 */
export function parseThreshold(
  statement: string,
  gracePeriodMs = 0,
  setting: EvictionSetting = 'threshold',
): Threshold | undefined {
  const pairs = statements(statement, '<', setting);
  if (pairs.length !== 1)
    throw new MalformedStatementError(setting, statement, 'one <signal><<value> statement');
  const [signal, text] = pairs[0]!;
  const value = parseThresholdValue(signal, text, setting);
  return value && { signal, operator: 'LessThan', value, gracePeriodMs };
}

/** Parse a list of hard thresholds (`--eviction-hard` syntax or map). */
export function parseThresholds(list: StatementList, setting: EvictionSetting = 'hard') {
  const out: Threshold[] = [];
  for (const [signal, text] of statements(list, '<', setting)) {
    const value = parseThresholdValue(signal, text, setting);
    if (value) out.push({ signal, operator: 'LessThan', value, gracePeriodMs: 0 });
  }
  return out;
}

/** Parse a Go duration for a setting; `what` names it in messages. */
export function parseDurationSetting(
  setting: EvictionSetting,
  text: string,
  what = 'duration',
): number {
  const ms = parseGoDuration(text.trim());
  if (ms === undefined) throw new InvalidDurationError(setting, text, what);
  if (ms < 0) throw new NegativeDurationError(setting, text, what);
  return ms;
}

function parseMinReclaim(signal: Signal, value: string): ThresholdValue {
  if (value.endsWith('%')) {
    const percentage = parsePercent('minimumReclaim', signal, value);
    if (percentage <= 0) throw new InvalidMinimumReclaimError(signal, value);
    return { kind: 'percentage', percentage, text: value };
  }
  const { amount, negative } = parseAmount('minimumReclaim', signal, value);
  if (negative && amount !== 0) throw new InvalidMinimumReclaimError(signal, value);
  return { kind: 'quantity', quantity: amount, text: value };
}

/**
 * Parse the kubelet's eviction settings into thresholds, exactly as its
 * `ParseThresholdConfig` does, with a typed error for every malformed form. Stricter in
 * one place: a signal given twice in one setting is an error (the kubelet's flag maps keep
 * the last silently).
 *
 * @throws {EvictionConfigError} a subclass naming the setting, the statement and the form.
 */
export function parseEvictionSettings(settings: EvictionSettings): ParsedEvictionSettings {
  const thresholds = settings.hard ? parseThresholds(settings.hard, 'hard') : [];
  const soft = settings.soft ? parseThresholds(settings.soft, 'soft') : [];
  const grace = new Map<Signal, number>();
  for (const [signal, text] of statements(settings.softGracePeriod ?? '', '=', 'softGracePeriod'))
    grace.set(signal, parseDurationSetting('softGracePeriod', text, `${signal} grace period`));
  for (const t of soft) {
    const g = grace.get(t.signal);
    if (g === undefined) throw new MissingGracePeriodError(t.signal);
    thresholds.push({ ...t, gracePeriodMs: g });
  }
  const minReclaim = new Map<Signal, ThresholdValue>();
  for (const [signal, text] of statements(settings.minimumReclaim ?? '', '=', 'minimumReclaim'))
    minReclaim.set(signal, parseMinReclaim(signal, text));
  for (const t of thresholds) {
    const m = minReclaim.get(t.signal);
    if (m) t.minReclaim = m;
  }
  if (settings.enforceNodeAllocatable?.includes('pods')) {
    for (const t of [...thresholds]) {
      if (t.signal === 'memory.available' && t.gracePeriodMs === 0)
        thresholds.push({ ...t, signal: 'allocatableMemory.available' });
    }
  }
  const maxGrace = settings.maxPodGracePeriodSeconds ?? 0;
  if (!Number.isSafeInteger(maxGrace) || maxGrace < 0)
    throw new InvalidSettingError(
      'maxPodGracePeriodSeconds',
      String(maxGrace),
      `maxPodGracePeriodSeconds ${maxGrace} must be a whole number of seconds >= 0`,
    );
  const period = settings.pressureTransitionPeriod;
  let pressureTransitionPeriodMs = DEFAULT_PRESSURE_TRANSITION_PERIOD_MS;
  if (typeof period === 'string') {
    pressureTransitionPeriodMs = parseDurationSetting('pressureTransitionPeriod', period);
  } else if (period !== undefined) {
    if (!Number.isFinite(period))
      throw new InvalidDurationError('pressureTransitionPeriod', String(period));
    if (period < 0) throw new NegativeDurationError('pressureTransitionPeriod', String(period));
    pressureTransitionPeriodMs = period;
  }
  return { thresholds, maxPodGracePeriodSeconds: maxGrace, pressureTransitionPeriodMs };
}
