import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InvalidLogOptionError,
  LogFileNotFoundError,
  LogRotationError,
  pruneRotatedCriLogs,
  rotateCriLog,
  rotatedCriLogs,
  rotationStamp,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'cri-log-rotate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const logFile = (content: string) => {
  const d = join(root, String(n++));
  const path = join(d, '0.log');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  writeFileSync(path, content);
  return { dir: d, path };
};
const at = (iso: string) => () => new Date(iso);

describe('rotateCriLog', () => {
  it('renames a file over maxSize to <path>.<stamp> and has the runtime reopen it', async () => {
    const { dir, path } = logFile('x'.repeat(100));
    let reopened = 0;
    const r = await rotateCriLog(path, {
      maxSize: 10,
      maxFiles: 5,
      now: at('2024-01-02T03:04:05.678Z'),
      reopen: async () => {
        reopened++;
        writeFileSync(path, '');
      },
    });
    expect(r).toEqual({ rotated: `${path}.20240102T030405.678Z`, removed: [] });
    expect(reopened).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['0.log', '0.log.20240102T030405.678Z']);
  });

  it('leaves a file at or under maxSize alone', async () => {
    const { dir, path } = logFile('x'.repeat(10));
    const r = await rotateCriLog(path, { maxSize: 10, maxFiles: 2, reopen: async () => {} });
    expect(r).toEqual({ removed: [] });
    expect(readdirSync(dir)).toEqual(['0.log']);
  });

  it('keeps maxFiles files, the live one included, removing the oldest rotated ones', async () => {
    const { dir, path } = logFile('x'.repeat(100));
    for (const s of ['20240101T000000.000Z', '20240101T000001.000Z', '20240101T000002.000Z'])
      writeFileSync(`${path}.${s}`, s);
    const r = await rotateCriLog(path, {
      maxSize: 10,
      maxFiles: 3,
      now: at('2024-01-01T00:00:03Z'),
      reopen: async () => writeFileSync(path, ''),
    });
    expect(r.removed).toEqual([`${path}.20240101T000000.000Z`, `${path}.20240101T000001.000Z`]);
    expect(readdirSync(dir).sort()).toEqual([
      '0.log',
      '0.log.20240101T000002.000Z',
      '0.log.20240101T000003.000Z',
    ]);
    expect(await rotatedCriLogs(path)).toHaveLength(2);
    expect(await pruneRotatedCriLogs(path, 1)).toHaveLength(2);
    expect(readdirSync(dir)).toEqual(['0.log']);
  });

  it('never overwrites a rotated file of the same millisecond', async () => {
    const { path } = logFile('first');
    const now = at('2024-01-01T00:00:00Z');
    const reopen = async () => writeFileSync(path, 'second');
    await rotateCriLog(path, { maxSize: 1, maxFiles: 5, now, reopen });
    await rotateCriLog(path, {
      maxSize: 1,
      maxFiles: 5,
      now,
      reopen: async () => writeFileSync(path, ''),
    });
    expect(readFileSync(`${path}.20240101T000000.000Z`, 'utf8')).toBe('first');
    expect(readFileSync(`${path}.20240101T000000.001Z`, 'utf8')).toBe('second');
  });

  it('puts the file back when the runtime cannot reopen it, and says so', async () => {
    const { dir, path } = logFile('precious');
    const err = await rotateCriLog(path, {
      maxSize: 1,
      maxFiles: 2,
      reopen: async () => {
        throw new Error('container is not running');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogRotationError);
    expect((err as LogRotationError).message).toMatch(
      /failed at reopen \(file put back\): container is not running/,
    );
    expect(((err as Error).cause as Error).message).toBe('container is not running');
    expect(readdirSync(dir)).toEqual(['0.log']);
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('a missing log is LogFileNotFoundError; absurd sizes are InvalidLogOptionError', async () => {
    const missing = join(root, 'none', '0.log');
    await expect(
      rotateCriLog(missing, { maxSize: 1, maxFiles: 1, reopen: async () => {} }),
    ).rejects.toThrow(LogFileNotFoundError);
    const { path } = logFile('x');
    for (const bad of [
      { maxSize: 0, maxFiles: 1 },
      { maxSize: -1, maxFiles: 1 },
      { maxSize: 10, maxFiles: 0 },
      { maxSize: Number.POSITIVE_INFINITY, maxFiles: 1 },
    ])
      await expect(rotateCriLog(path, { ...bad, reopen: async () => {} })).rejects.toThrow(
        InvalidLogOptionError,
      );
    expect(existsSync(path)).toBe(true);
  });

  it('stamps sort by time', () => {
    const a = rotationStamp(new Date('2024-01-01T00:00:09.999Z'));
    const b = rotationStamp(new Date('2024-01-01T00:00:10Z'));
    expect(a < b).toBe(true);
    expect(b).toBe('20240101T000010.000Z');
  });
});
