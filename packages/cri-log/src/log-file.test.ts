import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFileNotFoundError } from './errors.js';
import { CriLogFile, lastLogTime } from './log-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cri-log-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CriLogFile', () => {
  it('creates the file with its directory, appends lines, reopens a new file after a rename', () => {
    const path = join(dir, 'pod', 'c', '0.log');
    const f = new CriLogFile(path);
    f.write([
      {
        stream: 'stdout',
        timestamp: '2024-01-02T03:04:05.000000009Z',
        content: 'one',
        partial: false,
      },
    ]);
    renameSync(path, `${path}.1`);
    f.reopen();
    f.write([
      { stream: 'stderr', timestamp: '2024-01-02T03:04:06.5Z', content: 'two', partial: true },
    ]);
    f.close();
    f.write([
      { stream: 'stderr', timestamp: '2024-01-02T03:04:07Z', content: 'closed', partial: false },
    ]);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('2024-01-02T03:04:05.000000009Z stdout F one\n');
    expect(readFileSync(path, 'utf8')).toBe('2024-01-02T03:04:06.5Z stderr P two\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });
});

describe('lastLogTime', () => {
  it('is the time of the last well-formed line, skipping a broken tail', () => {
    const path = join(dir, 'last.log');
    writeFileSync(
      path,
      '2024-01-02T03:04:06.5Z stdout F a\n2024-01-02T03:04:07Z stdout F b\ngarbage\n',
    );
    expect(lastLogTime(path)).toBe(BigInt(Date.parse('2024-01-02T03:04:07Z')) * 1_000_000n);
    writeFileSync(path, '');
    expect(lastLogTime(path)).toBeUndefined();
    expect(() => lastLogTime(join(dir, 'absent.log'))).toThrow(LogFileNotFoundError);
  });
});
