import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInvalidArgument } from '@capstan/errdefs';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel, RotatingFile } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-logging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createLogger', () => {
  it('writes JSON lines to the file from the first line, with the app and level', () => {
    const file = join(dir, 'a', 'deeper', 'agent.log');
    const { logger, destination, close } = createLogger({
      app: 'node-agent',
      file,
      level: 'debug',
    });
    expect(destination).toBe(file);
    logger.debug({ pod: 'web' }, 'first');
    // Synchronous: on disk before anything else happens.
    expect(lines(file)).toEqual([
      expect.objectContaining({ app: 'node-agent', level: 20, msg: 'first', pod: 'web' }),
    ]);
    logger.trace('below the level');
    expect(lines(file)).toHaveLength(1);
    close();
  });

  it('appends to an existing file instead of truncating it', () => {
    const file = join(dir, 'append.log');
    writeFileSync(file, '{"msg":"from before"}\n');
    const { logger, close } = createLogger({ app: 'x', file });
    logger.info('after');
    expect(lines(file).map((l) => l.msg)).toEqual(['from before', 'after']);
    close();
  });

  it('rejects an unknown level with an invalid-argument error naming the choices', () => {
    let err: unknown;
    try {
      createLogger({ app: 'x', level: 'verbose' });
    } catch (e) {
      err = e;
    }
    expect(isInvalidArgument(err)).toBe(true);
    expect(String(err)).toMatch(/"verbose" is not one of trace, debug, info, warn, error/);
    expect(parseLogLevel('warn')).toBe('warn');
  });
});

describe('RotatingFile', () => {
  it('rotates by size, keeps maxFiles old files newest first, and loses no line', () => {
    const path = join(dir, 'rot', 'shim.log');
    const f = new RotatingFile(path, { maxSizeBytes: 1024, maxFiles: 2 });
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(90) })}\n`; // ~110 bytes
    for (let i = 0; i < 60; i++) f.write(line(i));
    f.close();
    expect(readdirSync(join(dir, 'rot')).sort()).toEqual(['shim.log', 'shim.log.1', 'shim.log.2']);
    for (const p of [path, `${path}.1`, `${path}.2`]) {
      expect(readFileSync(p).length).toBeLessThanOrEqual(1024);
    }
    // Oldest to newest, the kept lines are consecutive and end with the last one written.
    const kept = [`${path}.2`, `${path}.1`, path].flatMap((p) => lines(p).map((l) => l.i));
    expect(kept.at(-1)).toBe(59);
    expect(kept).toEqual(kept.map((_, k) => (kept[0] as number) + k));
    expect(kept.length).toBeGreaterThanOrEqual(2 * 9);
  });

  it('with maxFiles 0 starts the file over and keeps nothing else', () => {
    const path = join(dir, 'zero.log');
    const f = new RotatingFile(path, { maxSizeBytes: 1024, maxFiles: 0 });
    for (let i = 0; i < 30; i++) f.write(`${'y'.repeat(99)}\n`);
    f.close();
    expect(existsSync(`${path}.1`)).toBe(false);
    expect(readFileSync(path).length).toBeLessThanOrEqual(1024);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });

  it('refuses absurd sizes and counts with invalid-argument errors, creating nothing', () => {
    const path = join(dir, 'bad', 'x.log');
    for (const opts of [
      { maxSizeBytes: 10, maxFiles: 1 },
      { maxSizeBytes: Number.NaN, maxFiles: 1 },
      { maxSizeBytes: 4096, maxFiles: -1 },
      { maxSizeBytes: 4096, maxFiles: 1e9 },
    ]) {
      expect(() => new RotatingFile(path, opts)).toThrow(/log file .*x\.log/);
      try {
        new RotatingFile(path, opts);
      } catch (e) {
        expect(isInvalidArgument(e)).toBe(true);
      }
    }
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('keeps going after the file is removed behind its back (a write reopens after rotation)', () => {
    const path = join(dir, 'gone.log');
    const f = new RotatingFile(path, { maxSizeBytes: 1024, maxFiles: 1 });
    f.write('{"a":1}\n');
    rmSync(path);
    for (let i = 0; i < 20; i++) f.write(`${JSON.stringify({ i, pad: 'z'.repeat(90) })}\n`);
    f.close();
    expect(existsSync(path)).toBe(true);
    expect(lines(path).at(-1)?.i).toBe(19);
  });
});
