/**
 * Typed errors of `@capstan/eviction`. Configuration errors say which statement was wrong,
 * with which value, in which setting (`hard`, `soft`, `softGracePeriod`...), and carry a
 * stable `reason` to branch on; their `kind` is always `invalid-argument`.
 */
import { CapstanError } from '@capstan/errdefs';

/** Stable reasons of {@link EvictionConfigError} subclasses, one per malformed form. */
export type EvictionConfigErrorReason =
  | 'MALFORMED_STATEMENT'
  | 'UNKNOWN_SIGNAL'
  | 'DUPLICATE_SIGNAL'
  | 'INVALID_QUANTITY'
  | 'INVALID_PERCENTAGE'
  | 'PERCENTAGE_OUT_OF_RANGE'
  | 'NON_POSITIVE_THRESHOLD'
  | 'MISSING_GRACE_PERIOD'
  | 'INVALID_DURATION'
  | 'NEGATIVE_DURATION'
  | 'INVALID_MINIMUM_RECLAIM'
  | 'INVALID_SETTING';

/** Where a bad statement came from. */
export type EvictionSetting =
  | 'hard'
  | 'soft'
  | 'softGracePeriod'
  | 'minimumReclaim'
  | 'maxPodGracePeriodSeconds'
  | 'pressureTransitionPeriod'
  | 'threshold';

/** The base class of every configuration error (all are invalid arguments). */
export class EvictionConfigError extends CapstanError {
  /** The stable reason: which malformed form it is. */
  readonly reason: EvictionConfigErrorReason;
  /** The setting the statement belongs to. */
  readonly setting: EvictionSetting;
  /** The offending text (a statement, a value or a signal name). */
  readonly input: string;

  constructor(
    reason: EvictionConfigErrorReason,
    setting: EvictionSetting,
    input: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super('invalid-argument', `${setting}: ${message}`, options);
    this.reason = reason;
    this.setting = setting;
    this.input = input;
  }
}

/** A statement without its operator: `memory.available`, `memory.available>1Gi`, `=1m`. */
export class MalformedStatementError extends EvictionConfigError {
  constructor(setting: EvictionSetting, input: string, expected: string) {
    super(
      'MALFORMED_STATEMENT',
      setting,
      input,
      `${JSON.stringify(input)} is not of the form ${expected}`,
    );
  }
}

/** A signal name the kubelet does not know (or that this package does not support). */
export class UnknownSignalError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string, known: readonly string[]) {
    super(
      'UNKNOWN_SIGNAL',
      setting,
      signal,
      `unsupported eviction signal ${JSON.stringify(signal)} (known: ${known.join(', ')})`,
    );
  }
}

/** The same signal twice in one setting (the kubelet's flag maps would keep the last silently). */
export class DuplicateSignalError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string) {
    super('DUPLICATE_SIGNAL', setting, signal, `signal ${signal} is given more than once`);
  }
}

/** A value that is not a Kubernetes quantity: `abc`, `1Zi`, `` (empty). */
export class InvalidQuantityError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string, value: string, options?: ErrorOptions) {
    super(
      'INVALID_QUANTITY',
      setting,
      value,
      `${signal}: ${JSON.stringify(value)} is not a quantity (e.g. "100Mi", "1k") or a percentage (e.g. "10%")`,
      options,
    );
  }
}

/** A percentage whose number does not parse: `abc%`, `%`, `1e%`. */
export class InvalidPercentageError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string, value: string) {
    super(
      'INVALID_PERCENTAGE',
      setting,
      value,
      `${signal}: ${JSON.stringify(value)} is not a percentage (e.g. "10%", "7.5%")`,
    );
  }
}

/** A threshold percentage below 0% or above 100%. */
export class PercentageOutOfRangeError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string, value: string) {
    super(
      'PERCENTAGE_OUT_OF_RANGE',
      setting,
      value,
      `${signal}: percentage ${value} must be between 0% and 100%`,
    );
  }
}

/** A threshold quantity of zero or below: `memory.available<0`, `memory.available<-1Mi`. */
export class NonPositiveThresholdError extends EvictionConfigError {
  constructor(setting: EvictionSetting, signal: string, value: string) {
    super(
      'NON_POSITIVE_THRESHOLD',
      setting,
      value,
      `${signal}: threshold ${value} must be positive`,
    );
  }
}

/** A soft threshold without a grace period for its signal. */
export class MissingGracePeriodError extends EvictionConfigError {
  constructor(signal: string) {
    super(
      'MISSING_GRACE_PERIOD',
      'softGracePeriod',
      signal,
      `a grace period must be given for the soft eviction threshold ${signal}`,
    );
  }
}

/** A duration that is not Go's syntax: `90` (no unit), `1x`, `abc`, ``. */
export class InvalidDurationError extends EvictionConfigError {
  constructor(setting: EvictionSetting, value: string, what = 'duration') {
    super(
      'INVALID_DURATION',
      setting,
      value,
      `${what} ${JSON.stringify(value)} is not a duration (e.g. "1m30s", "500ms", "2h")`,
    );
  }
}

/** A negative grace period or transition period: `-1m`. */
export class NegativeDurationError extends EvictionConfigError {
  constructor(setting: EvictionSetting, value: string, what = 'duration') {
    super('NEGATIVE_DURATION', setting, value, `${what} ${value} must not be negative`);
  }
}

/** A minimum reclaim below zero (`-1Mi`), or a percentage of 0% or below. */
export class InvalidMinimumReclaimError extends EvictionConfigError {
  constructor(signal: string, value: string) {
    super(
      'INVALID_MINIMUM_RECLAIM',
      'minimumReclaim',
      value,
      `${signal}: minimum reclaim ${value} must be a quantity >= 0 or a percentage > 0%`,
    );
  }
}

/** A plain setting out of range, such as a negative `maxPodGracePeriodSeconds`. */
export class InvalidSettingError extends EvictionConfigError {
  constructor(setting: EvictionSetting, value: string, message: string) {
    super('INVALID_SETTING', setting, value, message);
  }
}

/** Whether `e` is one of this package's configuration errors. */
export const isEvictionConfigError = (e: unknown): e is EvictionConfigError =>
  e instanceof EvictionConfigError;
