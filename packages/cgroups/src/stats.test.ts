import { describe, expect, it } from 'vitest';
import {
  parseFlatKeyed,
  parsePressure,
  parseV1BlkioTotals,
  parseV2IoStat,
  workingSet,
} from './stats.js';

describe('stat parsers', () => {
  it('parses flat keyed files', () => {
    const m = parseFlatKeyed('cache 10\nrss 20\ntotal_inactive_file 5\n');
    expect(m.get('rss')).toBe(20);
    expect(m.get('total_inactive_file')).toBe(5);
    expect(parseFlatKeyed('').size).toBe(0);
  });

  it('parses PSI with and without full', () => {
    expect(
      parsePressure(
        'some avg10=1.50 avg60=0.20 avg300=0.00 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n',
      ),
    ).toEqual({
      some: { avg10: 1.5, avg60: 0.2, avg300: 0, totalMicros: 12345 },
      full: { avg10: 0, avg60: 0, avg300: 0, totalMicros: 7 },
    });
    expect(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=3')?.full).toBeUndefined();
    expect(parsePressure('')).toBeUndefined();
  });

  it('sums v1 blkio and v2 io.stat over devices', () => {
    expect(
      parseV1BlkioTotals('8:0 Read 100\n8:0 Write 50\n8:16 Read 1\n8:0 Total 151\nTotal 151\n'),
    ).toEqual({ read: 101, write: 50 });
    expect(
      parseV2IoStat(
        '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=5 wbytes=0 rios=1 wios=0\n',
      ),
    ).toEqual({
      readBytes: 15,
      writeBytes: 20,
      readOps: 2,
      writeOps: 2,
    });
  });

  it('computes the working set as the kubelet does', () => {
    expect(workingSet(100, 30)).toBe(70);
    expect(workingSet(10, 30)).toBe(0);
    expect(workingSet(10, undefined)).toBe(10);
  });
});
