import { describe, expect, it } from 'vitest';
import { MalformedLogLineError } from './errors.js';
import { formatCriLogLines, parseCriLogLine } from './log-line.js';
import { formatRfc3339Nano, monotonicWallClock, parseRfc3339Nano } from './log-time.js';

const T = '2016-10-06T00:17:09.669794202Z';

function reason(line: string) {
  try {
    parseCriLogLine(line);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedLogLineError);
    expect((err as MalformedLogLineError).kind).toBe('invalid-argument');
    return (err as MalformedLogLineError).reason;
  }
  return 'parsed';
}

describe('parseCriLogLine', () => {
  it('reads the four fields; content keeps its spaces', () => {
    const r = parseCriLogLine(`${T} stderr F  two  spaces `);
    expect(r.timestamp).toBe(T);
    expect(r.time).toBe(1475713029669794202n);
    expect(r.stream).toBe('stderr');
    expect(r.tags).toEqual(['F']);
    expect(r.partial).toBe(false);
    expect(r.content.toString()).toBe(' two  spaces ');
  });

  it('tolerates tags beyond P/F: only the first element counts (F:x is full, P:foo partial)', () => {
    expect(parseCriLogLine(`${T} stdout F:x one`)).toMatchObject({
      partial: false,
      tags: ['F', 'x'],
    });
    expect(parseCriLogLine(`${T} stdout P:foo two`)).toMatchObject({
      partial: true,
      tags: ['P', 'foo'],
    });
    // A first tag unknown today is a full line, as the kubelet reads it.
    expect(parseCriLogLine(`${T} stdout Z:y three`).partial).toBe(false);
  });

  it('reads empty content, with or without the space after the tags', () => {
    expect(parseCriLogLine(`${T} stdout F `).content.length).toBe(0);
    expect(parseCriLogLine(`${T} stdout F`).content.length).toBe(0);
  });

  it('names what is wrong in a malformed line', () => {
    expect(reason('')).toBe('no-timestamp');
    expect(reason('garbage')).toBe('no-timestamp');
    expect(reason(' stdout F x')).toBe('no-timestamp');
    expect(reason('yesterday stdout F x')).toBe('bad-timestamp');
    expect(reason('2024-13-01T00:00:00Z stdout F x')).toBe('bad-timestamp');
    expect(reason('2024-01-01 00:00:00Z stdout F x')).toBe('bad-timestamp');
    expect(reason(`${T}`)).toBe('no-timestamp');
    expect(reason(`${T} stdout`)).toBe('no-stream');
    expect(reason(`${T} stdin F x`)).toBe('bad-stream');
    expect(reason(`${T} STDOUT F x`)).toBe('bad-stream');
    expect(reason(`${T} stdout  x`)).toBe('no-tags');
    expect(reason(`${T} stdout `)).toBe('no-tags');
  });

  it('shows the offending line in the message, cut to a readable length', () => {
    const err = (() => {
      try {
        parseCriLogLine(`nope ${'x'.repeat(1000)}`);
      } catch (e) {
        return e as MalformedLogLineError;
      }
    })();
    expect(err?.message).toMatch(
      /^malformed CRI log line \(bad-timestamp: "nope" is not RFC3339Nano\)/,
    );
    expect(err!.line.length).toBeLessThanOrEqual(203);
  });
});

describe('formatCriLogLines', () => {
  it('writes one line per message, P for a partial one', () => {
    const full = formatCriLogLines({
      timestamp: T,
      stream: 'stdout',
      content: 'hi',
      partial: false,
    });
    const part = formatCriLogLines({
      timestamp: T,
      stream: 'stderr',
      content: 'ha',
      partial: true,
    });
    expect(full.toString()).toBe(`${T} stdout F hi\n`);
    expect(part.toString()).toBe(`${T} stderr P ha\n`);
    expect(
      formatCriLogLines({ timestamp: T, stream: 'stdout', content: '', partial: false }).toString(),
    ).toBe(`${T} stdout F \n`);
  });

  it('ends a full line at each newline inside the content, so the file stays line-aligned', () => {
    const out = formatCriLogLines({
      timestamp: 1n,
      stream: 'stdout',
      content: 'a\nb',
      partial: true,
    });
    expect(out.toString()).toBe(
      '1970-01-01T00:00:00.000000001Z stdout F a\n1970-01-01T00:00:00.000000001Z stdout P b\n',
    );
    const trailing = formatCriLogLines({
      timestamp: T,
      stream: 'stdout',
      content: 'a\n',
      partial: false,
    });
    expect(trailing.toString()).toBe(`${T} stdout F a\n`);
  });

  it('refuses a timestamp that is not RFC3339Nano and a stream that is not stdout/stderr', () => {
    expect(() =>
      formatCriLogLines({ timestamp: 'now', stream: 'stdout', content: 'x', partial: false }),
    ).toThrow(MalformedLogLineError);
    expect(() =>
      formatCriLogLines({
        timestamp: T,
        stream: 'stdin' as 'stdout',
        content: 'x',
        partial: false,
      }),
    ).toThrow(/stream is not stdout or stderr/);
  });
});

describe('RFC3339Nano', () => {
  it('parses up to nine digits and offsets, formats like Go (trailing zeros dropped)', () => {
    expect(parseRfc3339Nano('1970-01-01T00:00:01.000000002Z')).toBe(1_000_000_002n);
    expect(parseRfc3339Nano('1970-01-01T01:00:01.5+01:00')).toBe(1_500_000_000n);
    expect(parseRfc3339Nano('0001-01-01T00:00:00Z')).toBe(-62135596800000000000n);
    expect(parseRfc3339Nano('1970-01-01T00:00:01.0000000001Z')).toBeUndefined();
    expect(formatRfc3339Nano(1_500_000_000n)).toBe('1970-01-01T00:00:01.5Z');
    expect(formatRfc3339Nano(1_000_000_000n)).toBe('1970-01-01T00:00:01Z');
    expect(formatRfc3339Nano(parseRfc3339Nano(T)!)).toBe(T);
  });

  it('the wall clock never repeats', () => {
    const clock = monotonicWallClock();
    const a = clock();
    const b = clock();
    expect(b > a).toBe(true);
  });
});
