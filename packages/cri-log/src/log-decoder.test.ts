import { describe, expect, it } from 'vitest';
import { InvalidLogOptionError, type MalformedLogLineError } from './errors.js';
import { CriLogDecoder, type CriLogEntry } from './log-decoder.js';

const T1 = '2024-05-01T10:00:00.000000001Z';
const T2 = '2024-05-01T10:00:00.000000002Z';
const T3 = '2024-05-01T10:00:00.000000003Z';
const T4 = '2024-05-01T10:00:00.000000004Z';
const short = (es: CriLogEntry[]) => es.map((e) => [e.stream, e.content, e.complete]);

describe('CriLogDecoder', () => {
  it('keeps one partial-line buffer per stream: interleaved P lines come out as separate lines', () => {
    const d = new CriLogDecoder();
    const out = d.push(
      Buffer.from(
        `${T1} stdout P out-a \n${T2} stderr P err-a \n${T3} stderr F err-b\n${T4} stdout P:x out-b \n` +
          `${T4} stderr F err-only\n${T4} stdout F:y out-c\n`,
      ),
    );
    expect(short(out)).toEqual([
      ['stderr', 'err-a err-b', true],
      ['stderr', 'err-only', true],
      ['stdout', 'out-a out-b out-c', true],
    ]);
    // The joined line carries the time of its first piece.
    expect(out[2]!.timestamp).toBe(T1);
    expect(out[2]!.time).toBe(1714557600000000001n);
  });

  it('decodes the same whatever the chunking, even a UTF-8 character split across P pieces', () => {
    const euro = Buffer.from('€'); // 3 bytes, split 1 + 2 over two pieces
    const text = Buffer.concat([
      Buffer.from(`${T1} stdout P a`),
      euro.subarray(0, 1),
      Buffer.from(`\n${T2} stderr F e\n${T3} stdout F `),
      euro.subarray(1),
      Buffer.from('b\n'),
    ]);
    for (const size of [1, 2, 3, 7, text.length]) {
      const d = new CriLogDecoder();
      const out: CriLogEntry[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...d.push(text.subarray(i, i + size)));
      expect(short(out), `chunks of ${size}`).toEqual([
        ['stderr', 'e', true],
        ['stdout', 'a€b', true],
      ]);
    }
  });

  it('skips malformed lines, reports each, and keeps decoding', () => {
    const bad: MalformedLogLineError[] = [];
    const d = new CriLogDecoder({ onMalformed: (e) => bad.push(e) });
    const out = d.push(
      Buffer.from(
        `no timestamp here\n${T1} stdin F x\n${T1} stdout\n\n${T1} stdout F ok\nbad-ts stdout F x\n`,
      ),
    );
    expect(short(out)).toEqual([['stdout', 'ok', true]]);
    expect(bad.map((e) => e.reason)).toEqual([
      'bad-timestamp',
      'bad-stream',
      'no-stream',
      'no-timestamp',
      'bad-timestamp',
    ]);
    expect(d.skipped).toBe(5);
  });

  it('skips a line over maxLineBytes without buffering it, then resynchronises', () => {
    const bad: string[] = [];
    const d = new CriLogDecoder({ maxLineBytes: 100, onMalformed: (e) => bad.push(e.reason) });
    const out = [
      ...d.push(Buffer.from(`${T1} stdout F ${'x'.repeat(60)}`)),
      ...d.push(Buffer.from('y'.repeat(10_000))),
      ...d.push(Buffer.from(`zzz\n${T2} stdout F after\n`)),
    ];
    expect(short(out)).toEqual([['stdout', 'after', true]]);
    expect(bad).toEqual(['too-long']);
  });

  it('hands out a never-ending partial line in pieces of maxEntryBytes', () => {
    const d = new CriLogDecoder({ maxEntryBytes: 8 });
    const out = d.push(
      Buffer.from(`${T1} stdout P 12345\n${T2} stdout P 6789\n${T3} stdout F 0\n`),
    );
    expect(short(out)).toEqual([
      ['stdout', '123456789', false],
      ['stdout', '0', true],
    ]);
  });

  it('flush() gives pending partial lines as incomplete; bytes after the last newline are not a line', () => {
    const d = new CriLogDecoder();
    expect(
      d.push(Buffer.from(`${T1} stderr P e\n${T1} stdout P o\n${T2} stdout F unfinish`)),
    ).toEqual([]);
    expect(short(d.flush())).toEqual([
      ['stdout', 'o', false],
      ['stderr', 'e', false],
    ]);
    expect(d.flush()).toEqual([]);
  });

  it('endOfFile() drops an unterminated last line but keeps partial lines for the next file', () => {
    const bad: string[] = [];
    const d = new CriLogDecoder({ onMalformed: (e) => bad.push(e.reason) });
    d.push(Buffer.from(`${T1} stdout P begin-\n${T2} stdout F cut-of`));
    d.endOfFile();
    expect(bad).toEqual(['unterminated']);
    expect(short(d.push(Buffer.from(`${T3} stdout F end\n`)))).toEqual([
      ['stdout', 'begin-end', true],
    ]);
  });

  it('refuses absurd sizes', () => {
    expect(() => new CriLogDecoder({ maxLineBytes: 0 })).toThrow(InvalidLogOptionError);
    expect(() => new CriLogDecoder({ maxLineBytes: Number.NaN })).toThrow(/maxLineBytes: NaN/);
    expect(() => new CriLogDecoder({ maxEntryBytes: 2 ** 40 })).toThrow(InvalidLogOptionError);
  });
});
