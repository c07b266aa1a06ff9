import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerTimeToNs, FrameParser, RawLineParser, resumeSince } from './log-format.js';

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
        content: 'hello',
        partial: false,
      },
      {
        stream: 'stderr',
        timestamp: '2024-01-02T03:04:05.000000002Z',
        content: 'part',
        partial: true,
      },
      {
        stream: 'stderr',
        timestamp: '2024-01-02T03:04:05.000000003Z',
        content: 'ial',
        partial: false,
      },
    ]);
  });
  it('reads TTY streams line by line', () => {
    const p = new RawLineParser();
    expect(p.push(Buffer.from('2024-01-02T03:04:05Z a\n2024-01-02T03:04:06Z b'))).toHaveLength(1);
    expect(p.push(Buffer.from('c\n'))[0]?.content).toBe('bc');
  });
  it('drops a message whose time is not RFC3339Nano (it could not be a CRI line)', () => {
    expect(new FrameParser().push(frame(1, 'yesterday hello\n'))).toEqual([]);
  });
});

describe('resumeSince', () => {
  it("is the file's last line time plus 1 ns as Docker's sec.nanos; undefined without one", () => {
    const path = join(dir, 'c.log');
    writeFileSync(
      path,
      '2024-01-02T03:04:05.000000009Z stdout F one\n2024-01-02T03:04:06.5Z stderr P two\n',
    );
    expect(resumeSince(path)).toBe(`${Date.parse('2024-01-02T03:04:06Z') / 1000}.500000001`);
    expect(resumeSince(join(dir, 'absent.log'))).toBeUndefined();
    writeFileSync(path, '');
    expect(resumeSince(path)).toBeUndefined();
  });
  it('parses RFC3339Nano to nanoseconds, and Docker zero times to undefined', () => {
    expect(dockerTimeToNs('1970-01-01T00:00:01.000000002Z')).toBe(1_000_000_002n);
    expect(dockerTimeToNs('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(dockerTimeToNs(undefined)).toBeUndefined();
  });
});
