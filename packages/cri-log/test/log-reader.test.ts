import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CriLogEntry,
  InvalidLogOptionError,
  isNotFound,
  LogFileNotFoundError,
  type MalformedLogLineError,
  type ReadCriLogOptions,
  readCriLog,
  renderCriLogEntry,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cri-log-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `${n++}.log`);
  writeFileSync(path, text);
  return path;
};
async function all(path: string, opts: ReadCriLogOptions = {}): Promise<CriLogEntry[]> {
  const out: CriLogEntry[] = [];
  for await (const e of readCriLog(path, opts)) out.push(e);
  return out;
}
const texts = (es: CriLogEntry[]) => es.map((e) => renderCriLogEntry(e));
const ts = (s: number) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.000000001Z`;

const SAMPLE = [
  `${ts(1)} stdout F one`,
  `${ts(2)} stderr P two-`,
  `${ts(3)} stdout F three`,
  `${ts(4)} stderr F:x two-end`,
  `${ts(5)} stdout P:foo four-`,
  `${ts(6)} stdout F four-end`,
  '',
].join('\n');

describe('readCriLog', () => {
  it('reads logical lines in file order, each stream joined on its own', async () => {
    expect(texts(await all(file(SAMPLE)))).toEqual([
      'one\n',
      'three\n',
      'two-two-end\n',
      'four-four-end\n',
    ]);
  });

  it('tail, since and stream work together like the kubelet options', async () => {
    const path = file(SAMPLE);
    expect(texts(await all(path, { tailLines: 2 }))).toEqual(['two-two-end\n', 'four-four-end\n']);
    expect(texts(await all(path, { tailLines: 0 }))).toEqual([]);
    expect(texts(await all(path, { tailLines: 99 }))).toHaveLength(4);
    expect(texts(await all(path, { since: new Date('2024-05-01T10:00:03Z') }))).toEqual([
      'three\n',
      'four-four-end\n',
    ]);
    expect(texts(await all(path, { since: 1714557602000000001n }))).toEqual([
      'three\n',
      'two-two-end\n',
      'four-four-end\n',
    ]);
    expect(texts(await all(path, { stream: 'stderr' }))).toEqual(['two-two-end\n']);
    expect(texts(await all(path, { stream: 'stdout', tailLines: 1 }))).toEqual(['four-four-end\n']);
  });

  it('limitBytes counts rendered bytes (timestamps included) and cuts on a character', async () => {
    const path = file(`${ts(1)} stdout F abc\n${ts(2)} stdout F d€f\n${ts(3)} stdout F zzz\n`);
    const cut = await all(path, { limitBytes: 6 });
    expect(cut.map((e) => renderCriLogEntry(e)).join('')).toBe('abc\nd');
    expect(cut.at(-1)?.complete).toBe(false);
    // 'abc\n' + 'd' + 2 of the 3 bytes of '€': the character is left out, not broken.
    expect((await all(path, { limitBytes: 7 })).map((e) => e.content)).toEqual(['abc', 'd']);
    const stamped = await all(path, { limitBytes: ts(1).length + 5, timestamps: true });
    expect(stamped.map((e) => renderCriLogEntry(e, true)).join('')).toBe(`${ts(1)} abc\n`);
    expect(await all(path, { limitBytes: 0 })).toEqual([]);
  });

  it('prints timestamps as the kubelet does: nine fraction digits, the written offset kept', async () => {
    const path = file(
      '2024-05-01T10:00:01.5Z stdout F half\n2024-05-01T10:00:02Z stdout F whole\n' +
        '2024-05-01T12:00:03.123456789+02:00 stdout F zoned\n',
    );
    expect((await all(path)).map((e) => renderCriLogEntry(e, true))).toEqual([
      '2024-05-01T10:00:01.500000000Z half\n',
      '2024-05-01T10:00:02.000000000Z whole\n',
      '2024-05-01T12:00:03.123456789+02:00 zoned\n',
    ]);
  });

  it('flushes a partial line at the end as incomplete; ignores an unterminated last line', async () => {
    const path = file(`${ts(1)} stdout P no newline yet\n${ts(2)} stdout F being-writ`);
    const es = await all(path);
    expect(es.map((e) => [e.content, e.complete])).toEqual([['no newline yet', false]]);
    expect(renderCriLogEntry(es[0]!, true)).toBe(`${ts(1)} no newline yet`);
  });

  it('skips malformed lines and reports them to onMalformed or the logger', async () => {
    const path = file(`garbage\n${ts(1)} stdout F ok\n${ts(1)} stdin F x\n\n`);
    const bad: MalformedLogLineError[] = [];
    expect(texts(await all(path, { onMalformed: (e) => bad.push(e) }))).toEqual(['ok\n']);
    expect(bad.map((e) => e.reason)).toEqual(['no-timestamp', 'bad-stream', 'no-timestamp']);
    const warned: unknown[] = [];
    await all(path, { logger: { warn: (fields) => warned.push(fields) } });
    expect(warned).toHaveLength(3);
    expect(warned[1]).toMatchObject({ path, reason: 'bad-stream' });
  });

  it('a missing file is a LogFileNotFoundError (kind not-found) with the errno as cause', async () => {
    const missing = join(dir, 'absent.log');
    const err = await all(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFileNotFoundError);
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toBe(`CRI log file ${missing} does not exist`);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('absurd options are InvalidLogOptionError before anything is read', async () => {
    const path = file(SAMPLE);
    for (const opts of [
      { tailLines: -1 },
      { tailLines: 1.5 },
      { limitBytes: Number.NaN },
      { pollIntervalMs: -5 },
      { maxLineBytes: 1 },
      { stream: 'stdin' as 'stdout' },
    ]) {
      const err = await all(path, opts).catch((e: unknown) => e);
      expect(err, JSON.stringify(opts)).toBeInstanceOf(InvalidLogOptionError);
      expect((err as InvalidLogOptionError).kind).toBe('invalid-argument');
    }
  });

  it('reads a file bigger than its read chunk with a bounded tail', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `${ts(1)} stdout F line-${i}\n`).join('');
    const es = await all(file(many), { tailLines: 3 });
    expect(es.map((e) => e.content)).toEqual(['line-4997', 'line-4998', 'line-4999']);
  });
});

describe('readCriLog follow', () => {
  it('yields what is appended, then ends when until() says done, after a last drain', async () => {
    const path = file(`${ts(1)} stdout F first\n`);
    let done = false;
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readCriLog(path, {
        follow: true,
        pollIntervalMs: 5,
        until: () => done,
      }))
        got.push(e.content);
    })();
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(path, `${ts(2)} stderr P half-\n`);
    appendFileSync(
      path,
      `${ts(3)} stdout F second\n${ts(4)} stderr F done\n${ts(5)} stdout P trailing\n`,
    );
    done = true;
    await reading;
    expect(got).toEqual(['first', 'second', 'half-done', 'trailing']);
  });

  it('stops without error when its signal aborts', async () => {
    const path = file(`${ts(1)} stdout F x\n`);
    const ac = new AbortController();
    const got: string[] = [];
    setTimeout(() => ac.abort(), 50);
    for await (const e of readCriLog(path, { follow: true, signal: ac.signal }))
      got.push(e.content);
    expect(got).toEqual(['x']);
  });

  it('starts over on a file truncated in place (copytruncate)', async () => {
    const path = file(`${ts(1)} stdout F before\n`);
    let done = false;
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readCriLog(path, {
        follow: true,
        pollIntervalMs: 5,
        until: () => done,
      }))
        got.push(e.content);
    })();
    await new Promise((r) => setTimeout(r, 30));
    truncateSync(path, 0);
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(path, `${ts(2)} stdout F after\n`);
    await new Promise((r) => setTimeout(r, 30));
    done = true;
    await reading;
    expect(got).toEqual(['before', 'after']);
  });

  it('goes on in the new file after a rename, reading the old one to its end first', async () => {
    const path = file(`${ts(1)} stdout F a\n`);
    let done = false;
    const got: string[] = [];
    const reading = (async () => {
      for await (const e of readCriLog(path, {
        follow: true,
        pollIntervalMs: 5,
        until: () => done,
      }))
        got.push(e.content);
    })();
    await new Promise((r) => setTimeout(r, 30));
    // Written to the old file after its rename, before the new file exists: not lost.
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, `${ts(2)} stdout P b-\n`);
    writeFileSync(path, `${ts(3)} stdout F end\n`);
    await new Promise((r) => setTimeout(r, 30));
    done = true;
    await reading;
    expect(got).toEqual(['a', 'b-end']);
  });
});
