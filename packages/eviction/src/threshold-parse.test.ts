import { describe, expect, it } from 'vitest';
import {
  DuplicateSignalError,
  EvictionConfigError,
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
import {
  DEFAULT_EVICTION_HARD,
  type EvictionSettings,
  parseEvictionSettings,
  parseThreshold,
  parseThresholds,
} from './threshold-parse.js';

describe('parseThreshold', () => {
  it('parses quantities as whole units, rounded up like Quantity.Value()', () => {
    expect(parseThreshold('memory.available<100Mi')).toEqual({
      signal: 'memory.available',
      operator: 'LessThan',
      value: { kind: 'quantity', quantity: 100 * 2 ** 20, text: '100Mi' },
      gracePeriodMs: 0,
    });
    expect(parseThreshold('pid.available<1k')?.value).toMatchObject({ quantity: 1000 });
    expect(parseThreshold('memory.available<1.5Gi')?.value).toMatchObject({
      quantity: 1.5 * 2 ** 30,
    });
    expect(parseThreshold('pid.available<1500m')?.value).toMatchObject({ quantity: 2 });
    expect(parseThreshold(' nodefs.inodesFree < 5e3 ')?.value).toMatchObject({ quantity: 5000 });
  });

  it('parses percentages as float32 fractions, as the kubelet stores them', () => {
    const v = parseThreshold('nodefs.available<10%')?.value;
    expect(v).toEqual({ kind: 'percentage', percentage: Math.fround(0.1), text: '10%' });
    expect(parseThreshold('imagefs.available<7.5%')?.value).toMatchObject({
      percentage: Math.fround(0.075),
    });
  });

  it('ignores 0% and 100% as the kubelet does', () => {
    expect(parseThreshold('nodefs.available<0%')).toBeUndefined();
    expect(parseThreshold('nodefs.available<100%')).toBeUndefined();
  });

  it('accepts every supported signal', () => {
    for (const s of [
      'memory.available<1Mi',
      'allocatableMemory.available<1Mi',
      'nodefs.available<1%',
      'nodefs.inodesFree<1%',
      'imagefs.available<1%',
      'imagefs.inodesFree<1%',
      'pid.available<1%',
    ])
      expect(parseThreshold(s)?.signal).toBe(s.split('<')[0]);
  });
});

describe('malformed forms each give their typed error', () => {
  const cases: Array<[string, string, new (...a: never[]) => EvictionConfigError, string]> = [
    ['no operator', 'memory.available', MalformedStatementError, 'MALFORMED_STATEMENT'],
    ['wrong operator', 'memory.available>100Mi', MalformedStatementError, 'MALFORMED_STATEMENT'],
    ['no signal', '<100Mi', MalformedStatementError, 'MALFORMED_STATEMENT'],
    ['unknown signal', 'memry.available<100Mi', UnknownSignalError, 'UNKNOWN_SIGNAL'],
    [
      'containerfs is not supported',
      'containerfs.available<10%',
      UnknownSignalError,
      'UNKNOWN_SIGNAL',
    ],
    ['signal case matters', 'Memory.Available<1Gi', UnknownSignalError, 'UNKNOWN_SIGNAL'],
    ['empty value', 'memory.available<', InvalidQuantityError, 'INVALID_QUANTITY'],
    ['not a quantity', 'memory.available<abc', InvalidQuantityError, 'INVALID_QUANTITY'],
    ['bad suffix', 'memory.available<1Zi', InvalidQuantityError, 'INVALID_QUANTITY'],
    ['space in quantity', 'memory.available<1 Gi', InvalidQuantityError, 'INVALID_QUANTITY'],
    ['lone minus', 'memory.available<-', InvalidQuantityError, 'INVALID_QUANTITY'],
    ['bad percentage', 'nodefs.available<abc%', InvalidPercentageError, 'INVALID_PERCENTAGE'],
    ['bare percent sign', 'nodefs.available<%', InvalidPercentageError, 'INVALID_PERCENTAGE'],
    [
      'percentage above 100',
      'nodefs.available<150%',
      PercentageOutOfRangeError,
      'PERCENTAGE_OUT_OF_RANGE',
    ],
    [
      'negative percentage',
      'nodefs.available<-5%',
      PercentageOutOfRangeError,
      'PERCENTAGE_OUT_OF_RANGE',
    ],
    ['zero quantity', 'memory.available<0', NonPositiveThresholdError, 'NON_POSITIVE_THRESHOLD'],
    ['zero with unit', 'memory.available<0Mi', NonPositiveThresholdError, 'NON_POSITIVE_THRESHOLD'],
    [
      'negative quantity',
      'memory.available<-1Mi',
      NonPositiveThresholdError,
      'NON_POSITIVE_THRESHOLD',
    ],
  ];
  it.each(cases)('%s: %s', (_name, statement, cls, code) => {
    let err: unknown;
    try {
      parseThreshold(statement);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(EvictionConfigError);
    expect((err as EvictionConfigError).reason).toBe(code);
    expect((err as EvictionConfigError).message).toMatch(/^threshold: /);
  });

  const settings: Array<
    [string, EvictionSettings, new (...a: never[]) => EvictionConfigError, string]
  > = [
    [
      'duplicate signal in flag form',
      { hard: 'memory.available<1Gi,memory.available<2Gi' },
      DuplicateSignalError,
      'hard',
    ],
    [
      'soft threshold without grace',
      { soft: 'memory.available<1Gi' },
      MissingGracePeriodError,
      'softGracePeriod',
    ],
    [
      'grace for another signal only',
      { soft: 'memory.available<1Gi', softGracePeriod: 'nodefs.available=1m' },
      MissingGracePeriodError,
      'softGracePeriod',
    ],
    [
      'grace without unit',
      { soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=90' },
      InvalidDurationError,
      'softGracePeriod',
    ],
    [
      'grace with a bad unit',
      { soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=1x' },
      InvalidDurationError,
      'softGracePeriod',
    ],
    [
      'empty grace',
      { soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=' },
      InvalidDurationError,
      'softGracePeriod',
    ],
    [
      'negative grace',
      { soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=-1m' },
      NegativeDurationError,
      'softGracePeriod',
    ],
    [
      'grace without =',
      { soft: 'memory.available<1Gi', softGracePeriod: 'memory.available' },
      MalformedStatementError,
      'softGracePeriod',
    ],
    [
      'grace for unknown signal',
      { softGracePeriod: 'memory.free=1m' },
      UnknownSignalError,
      'softGracePeriod',
    ],
    [
      'negative min reclaim',
      { hard: 'memory.available<1Gi', minimumReclaim: 'memory.available=-1Mi' },
      InvalidMinimumReclaimError,
      'minimumReclaim',
    ],
    [
      'zero percent min reclaim',
      { hard: 'nodefs.available<10%', minimumReclaim: 'nodefs.available=0%' },
      InvalidMinimumReclaimError,
      'minimumReclaim',
    ],
    [
      'bad min reclaim quantity',
      { minimumReclaim: 'nodefs.available=lots' },
      InvalidQuantityError,
      'minimumReclaim',
    ],
    [
      'bad min reclaim percentage',
      { minimumReclaim: 'nodefs.available=x%' },
      InvalidPercentageError,
      'minimumReclaim',
    ],
    [
      'min reclaim with <',
      { minimumReclaim: 'nodefs.available<1Gi' },
      MalformedStatementError,
      'minimumReclaim',
    ],
    [
      'negative max pod grace',
      { maxPodGracePeriodSeconds: -1 },
      InvalidSettingError,
      'maxPodGracePeriodSeconds',
    ],
    [
      'fractional max pod grace',
      { maxPodGracePeriodSeconds: 1.5 },
      InvalidSettingError,
      'maxPodGracePeriodSeconds',
    ],
    [
      'bad transition period',
      { pressureTransitionPeriod: '5 minutes' },
      InvalidDurationError,
      'pressureTransitionPeriod',
    ],
    [
      'negative transition period',
      { pressureTransitionPeriod: '-5m' },
      NegativeDurationError,
      'pressureTransitionPeriod',
    ],
    [
      'negative transition ms',
      { pressureTransitionPeriod: -1 },
      NegativeDurationError,
      'pressureTransitionPeriod',
    ],
    [
      'soft with a bad value',
      { soft: 'memory.available<x', softGracePeriod: 'memory.available=1m' },
      InvalidQuantityError,
      'soft',
    ],
  ];
  it.each(settings)('settings: %s', (_name, input, cls, setting) => {
    let err: unknown;
    try {
      parseEvictionSettings(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as EvictionConfigError).setting).toBe(setting);
  });

  it('messages name the setting and the value', () => {
    expect(() => parseThresholds('memory.available<1Gi,nodefs.available<200%', 'hard')).toThrow(
      'hard: nodefs.available: percentage 200% must be between 0% and 100%',
    );
    expect(() => parseThresholds('nodefs.avail<1%')).toThrow(
      /unsupported eviction signal "nodefs.avail" \(known: memory.available,/,
    );
  });
});

describe('parseEvictionSettings', () => {
  it('parses the kubelet default --eviction-hard', () => {
    const { thresholds, pressureTransitionPeriodMs, maxPodGracePeriodSeconds } =
      parseEvictionSettings({ hard: DEFAULT_EVICTION_HARD });
    expect(thresholds.map((t) => `${t.signal}<${t.value.text}`)).toEqual([
      'memory.available<100Mi',
      'nodefs.available<10%',
      'nodefs.inodesFree<5%',
      'imagefs.available<15%',
    ]);
    expect(pressureTransitionPeriodMs).toBe(300_000);
    expect(maxPodGracePeriodSeconds).toBe(0);
  });

  it('combines hard, soft with grace periods, minimum reclaim and allocatable copies', () => {
    const parsed = parseEvictionSettings({
      hard: { 'memory.available': '100Mi', 'nodefs.available': '10%' },
      soft: 'memory.available<300Mi',
      softGracePeriod: 'memory.available=1m30s',
      minimumReclaim: 'memory.available=50Mi,nodefs.available=5%',
      maxPodGracePeriodSeconds: 30,
      pressureTransitionPeriod: '30s',
      enforceNodeAllocatable: ['pods'],
    });
    expect(parsed.maxPodGracePeriodSeconds).toBe(30);
    expect(parsed.pressureTransitionPeriodMs).toBe(30_000);
    const summary = parsed.thresholds.map((t) => [
      t.signal,
      t.value.text,
      t.gracePeriodMs,
      t.minReclaim?.text,
    ]);
    expect(summary).toEqual([
      ['memory.available', '100Mi', 0, '50Mi'],
      ['nodefs.available', '10%', 0, '5%'],
      ['memory.available', '300Mi', 90_000, '50Mi'],
      ['allocatableMemory.available', '100Mi', 0, '50Mi'],
    ]);
  });

  it('takes a transition period in ms and an empty configuration', () => {
    expect(
      parseEvictionSettings({ pressureTransitionPeriod: 1500 }).pressureTransitionPeriodMs,
    ).toBe(1500);
    expect(parseEvictionSettings({}).thresholds).toEqual([]);
    expect(parseThresholds(' , memory.available<1Gi ,, ')).toHaveLength(1);
  });
});
