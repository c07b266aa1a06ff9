import { describe, expect, it } from 'vitest';
import { InvalidLogOptionError } from './errors.js';
import { CriLogDecoder } from './log-decoder.js';
import { CriLogEncoder } from './log-encoder.js';

const clock = () => {
  let t = 1_000_000_000n;
  return () => t++;
};
const lines = (b: Buffer) =>
  b
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(1).join(' '));

describe('CriLogEncoder', () => {
  it('splits on newlines and holds the rest of each stream separately', () => {
    const e = new CriLogEncoder({ clock: clock() });
    expect(lines(e.push('stdout', 'one\ntw'))).toEqual(['stdout F one']);
    expect(lines(e.push('stderr', 'err\n'))).toEqual(['stderr F err']);
    expect(lines(e.push('stdout', 'o\n\n'))).toEqual(['stdout F two', 'stdout F ']);
    expect(lines(e.push('stdout', 'tail'))).toEqual([]);
    expect(lines(e.end())).toEqual(['stdout P tail']);
    expect(e.end().length).toBe(0);
  });

  it('cuts lines longer than maxLineBytes into P pieces, never inside a UTF-8 character', () => {
    const e = new CriLogEncoder({ maxLineBytes: 4, clock: clock() });
    expect(lines(e.push('stdout', 'abcdefghij\n'))).toEqual([
      'stdout P abcd',
      'stdout P efgh',
      'stdout F ij',
    ]);
    expect(lines(e.push('stdout', 'ab€€\n'))).toEqual(['stdout P ab', 'stdout P €', 'stdout F €']);
    expect(lines(e.push('stdout', 'abcd\n'))).toEqual(['stdout F abcd']);
  });

  it('stamps each line with the clock, in RFC3339Nano', () => {
    const e = new CriLogEncoder({ clock: clock() });
    expect(e.push('stdout', 'a\nb\n').toString()).toBe(
      '1970-01-01T00:00:01Z stdout F a\n1970-01-01T00:00:01.000000001Z stdout F b\n',
    );
  });

  it('what it writes, the decoder reads back as the same lines per stream', () => {
    const e = new CriLogEncoder({ maxLineBytes: 7 });
    const written = { stdout: [] as string[], stderr: [] as string[] };
    let file = Buffer.alloc(0);
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pending = { stdout: '', stderr: '' };
    for (let i = 0; i < 300; i++) {
      const s = rnd(2) === 0 ? 'stdout' : 'stderr';
      const chunk = ['x', 'yz', 'ü', '\n', 'long-long-long', '€\n', ' '][rnd(7)]!;
      pending[s] += chunk;
      file = Buffer.concat([file, e.push(s, chunk)]);
    }
    file = Buffer.concat([file, e.push('stdout', '\n'), e.push('stderr', '\n')]);
    for (const s of ['stdout', 'stderr'] as const)
      written[s] = `${pending[s]}\n`.split('\n').slice(0, -1);
    const read = new CriLogDecoder().push(file);
    for (const s of ['stdout', 'stderr'] as const)
      expect(read.filter((x) => x.stream === s).map((x) => x.content)).toEqual(written[s]);
  });

  it('refuses a line size that is not a positive whole number', () => {
    expect(() => new CriLogEncoder({ maxLineBytes: 0 })).toThrow(InvalidLogOptionError);
    expect(() => new CriLogEncoder({ maxLineBytes: -1 })).toThrow(InvalidLogOptionError);
    expect(() => new CriLogEncoder({ maxLineBytes: 1.5 })).toThrow(InvalidLogOptionError);
  });
});
