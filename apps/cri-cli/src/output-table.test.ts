import { describe, expect, it } from 'vitest';
import {
  createdAgo,
  formatG,
  formatTable,
  humanDuration,
  humanSize,
  truncateId,
} from './output-table.js';

describe('formatTable', () => {
  it("pads columns like crictl's tabwriter: at least 20 wide, 3 spaces after the widest cell", () => {
    const out = formatTable(
      ['POD ID', 'NAME', 'ATTEMPT'],
      [
        ['b955200af5dbc', 'a-rather-long-pod-name', '0'],
        ['0123456789abc', 'web', '12'],
      ],
    );
    expect(out).toBe(
      [
        'POD ID              NAME                     ATTEMPT',
        'b955200af5dbc       a-rather-long-pod-name   0',
        '0123456789abc       web                      12',
        '',
      ].join('\n'),
    );
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['A', 'B'], [])).toBe(`${'A'.padEnd(20)}B\n`);
  });
});

describe('truncateId', () => {
  it('keeps 13 characters after any algorithm prefix', () => {
    expect(
      truncateId('sha256:8e2ebe59cea70b19a7dbf77d52f03de2dc4f08a2d0a2667fe22a5318de496652'),
    ).toBe('8e2ebe59cea70');
    expect(truncateId('89124b285dc27f671d2ce356c5fe003f5de50a8033e5d016266d5aaf3d77bd7a')).toBe(
      '89124b285dc27',
    );
    expect(truncateId('short')).toBe('short');
  });
});

describe('humanSize and formatG (go-units)', () => {
  it('uses decimal units with 3 significant digits for images, 4 by default', () => {
    expect(humanSize(1_058_304, 3)).toBe('1.06MB');
    expect(humanSize(314_000, 3)).toBe('314kB');
    expect(humanSize(999, 3)).toBe('999B');
    expect(humanSize(0, 3)).toBe('0B');
    expect(humanSize(4096)).toBe('4.096kB');
    expect(humanSize(614_400)).toBe('614.4kB');
    expect(humanSize(5_000_000_000n)).toBe('5GB');
  });
  it("formats like Go's %g", () => {
    expect(formatG(999.7, 3)).toBe('1e+03');
    expect(formatG(0.00001234, 3)).toBe('1.23e-05');
    expect(formatG(12.5, 4)).toBe('12.5');
    expect(formatG(100, 3)).toBe('100');
  });
});

describe('humanDuration', () => {
  it.each([
    [500, 'Less than a second'],
    [1_000, '1 second'],
    [42_000, '42 seconds'],
    [90_000, 'About a minute'],
    [5 * 60_000, '5 minutes'],
    [60 * 60_000, 'About an hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
    [21 * 86_400_000, '3 weeks'],
    [90 * 86_400_000, '3 months'],
    [3 * 365 * 86_400_000, '3 years'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('turns a CRI nanosecond timestamp into "... ago"', () => {
    const now = 1_700_000_000_000;
    expect(createdAgo(BigInt(now - 3_000) * 1_000_000n, now)).toBe('3 seconds ago');
  });
});
