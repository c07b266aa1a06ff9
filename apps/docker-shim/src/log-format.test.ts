import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CriLogFile, FrameParser, RawLineParser, resumeSince, rfc3339ToNs } from './log-format.js';

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};
const dir = mkdtempSync(join(tmpdir(), 'shim-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FrameParser', () => {
  it('turns each frame into one message, across chunk boundaries; no newline = partial', () => {
    const p = new FrameParser();
    const all = Buffer.concat([
      frame(1, '2024-01-02T03:04:05.000000001Z hello\n'),
      frame(2, '2024-01-02T03:04:05.000000002Z part'),
      frame(2, '2024-01-02T03:04:05.000000003Z ial\n'),
    ]);
    const out = [...p.push(all.subarray(0, 13)), ...p.push(all.subarray(13))];
    expect(out).toEqual([
      {
        stream: 'stdout',
        timestamp: '2024-01-02T03:04:05.000000001Z',
        text: 'hello',
        partial: false,
      },
      {
        stream: 'stderr',
        timestamp: '2024-01-02T03:04:05.000000002Z',
        text: 'part',
        partial: true,
      },
      {
        stream: 'stderr',
        timestamp: '2024-01-02T03:04:05.000000003Z',
        text: 'ial',
        partial: false,
      },
    ]);
  });
  it('reads TTY streams line by line', () => {
    const p = new RawLineParser();
    expect(p.push(Buffer.from('2024-01-02T03:04:05Z a\n2024-01-02T03:04:06Z b'))).toHaveLength(1);
    expect(p.push(Buffer.from('c\n'))[0]?.text).toBe('bc');
  });
});

describe('CriLogFile', () => {
  it('writes CRI lines, reopens after a rename, and says where to resume', () => {
    const path = join(dir, 'c.log');
    const f = new CriLogFile(path);
    f.write([
      {
        stream: 'stdout',
        timestamp: '2024-01-02T03:04:05.000000009Z',
        text: 'one',
        partial: false,
      },
    ]);
    renameSync(path, `${path}.1`);
    f.reopen();
    f.write([
      { stream: 'stderr', timestamp: '2024-01-02T03:04:06.5Z', text: 'two', partial: true },
    ]);
    f.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('2024-01-02T03:04:05.000000009Z stdout F one\n');
    expect(readFileSync(path, 'utf8')).toBe('2024-01-02T03:04:06.5Z stderr P two\n');
    expect(resumeSince(path)).toBe(`${Date.parse('2024-01-02T03:04:06Z') / 1000}.500000001`);
    expect(resumeSince(join(dir, 'absent.log'))).toBeUndefined();
  });
  it('parses RFC3339Nano to nanoseconds, and Docker zero times to undefined', () => {
    expect(rfc3339ToNs('1970-01-01T00:00:01.000000002Z')).toBe(1_000_000_002n);
    expect(rfc3339ToNs('0001-01-01T00:00:00Z')).toBeUndefined();
  });
});
