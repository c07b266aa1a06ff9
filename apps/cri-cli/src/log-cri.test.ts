import { describe, expect, it } from 'vitest';
import { CriLogParser, renderLogLine } from './log-cri.js';

const T1 = '2024-05-01T10:00:00.000000001Z';
const T2 = '2024-05-01T10:00:01.5Z';

describe('CriLogParser', () => {
  it('reads full lines of both streams', () => {
    const p = new CriLogParser();
    expect(p.push(`${T1} stdout F hello world\n${T2} stderr F oops\n`)).toEqual([
      { timestamp: T1, stream: 'stdout', content: 'hello world', complete: true },
      { timestamp: T2, stream: 'stderr', content: 'oops', complete: true },
    ]);
  });

  it('joins P chunks up to their F chunk per stream, keeping the first timestamp', () => {
    const p = new CriLogParser();
    const lines = p.push(
      `${T1} stdout P part one, \n${T1} stderr F err between\n${T2} stdout P part two, \n${T2} stdout F end\n`,
    );
    expect(lines).toEqual([
      { timestamp: T1, stream: 'stderr', content: 'err between', complete: true },
      { timestamp: T1, stream: 'stdout', content: 'part one, part two, end', complete: true },
    ]);
  });

  it('waits for the rest of a line split across reads', () => {
    const p = new CriLogParser();
    expect(p.push(`${T1} stdout F hel`)).toEqual([]);
    expect(p.push('lo\n')).toEqual([
      { timestamp: T1, stream: 'stdout', content: 'hello', complete: true },
    ]);
  });

  it('keeps empty lines, spaces inside content, and skips lines not in the format', () => {
    const p = new CriLogParser();
    expect(
      p.push(`${T1} stdout F \n${T1} stdout F\ngarbage\n${T1} stdout F  two  spaces \n`),
    ).toEqual([
      { timestamp: T1, stream: 'stdout', content: '', complete: true },
      { timestamp: T1, stream: 'stdout', content: '', complete: true },
      { timestamp: T1, stream: 'stdout', content: ' two  spaces ', complete: true },
    ]);
  });

  it('flushes a partial line left at the end as incomplete', () => {
    const p = new CriLogParser();
    p.push(`${T1} stdout P no newline yet\n`);
    expect(p.flush()).toEqual([
      { timestamp: T1, stream: 'stdout', content: 'no newline yet', complete: false },
    ]);
    expect(p.flush()).toEqual([]);
  });

  it('reads tags beyond P/F (e.g. F:x) by their first element', () => {
    const p = new CriLogParser();
    expect(p.push(`${T1} stdout F:extra tagged\n`)[0]?.content).toBe('tagged');
  });
});

describe('renderLogLine', () => {
  it('adds the timestamp when asked and the newline unless partial', () => {
    const line = { timestamp: T1, stream: 'stdout' as const, content: 'x', complete: true };
    expect(renderLogLine(line, false)).toBe('x\n');
    expect(renderLogLine(line, true)).toBe(`${T1} x\n`);
    expect(renderLogLine({ ...line, complete: false }, false)).toBe('x');
  });
});
