import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readContainerLog } from './pod-logs.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-pod-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(text: string, opts: Parameters<typeof readContainerLog>[1] = {}) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(path, text);
  const out: string[] = [];
  for await (const l of readContainerLog(path, opts)) out.push(l);
  return out;
}

const T1 = '2024-05-01T10:00:00.000000001Z';
const T2 = '2024-05-01T10:00:00.000000002Z';
const T3 = '2024-05-01T10:00:00.000000003Z';
const T4 = '2024-05-01T10:00:00.000000004Z';

describe('readContainerLog (pods/log)', () => {
  it('joins partial lines per stream: a partial stdout line is not glued to a stderr line', async () => {
    const lines = await read(
      `${T1} stdout P out-a\n${T2} stderr P err-a\n${T3} stderr F err-b\n${T4} stdout F out-b\n`,
    );
    expect(lines).toEqual(['err-aerr-b\n', 'out-aout-b\n']);
  });

  it('reads lines whose tags go beyond P/F (F:x, P:foo), as the kubelet does', async () => {
    const lines = await read(`${T1} stdout F:x one\n${T2} stdout P:foo tw\n${T3} stdout F o\n`);
    expect(lines).toEqual(['one\n', 'two\n']);
  });

  it('keeps --timestamps, --tail and skips malformed lines', async () => {
    const lines = await read(
      `${T1} stdout F one\nnot a cri line\n${T2} stdout F two\n${T3} stderr F three\n`,
      { tailLines: 2, timestamps: true },
    );
    expect(lines).toEqual([`${T2} two\n`, `${T3} three\n`]);
  });

  it('keeps sinceTime to the nanosecond (lines a nanosecond apart)', async () => {
    const text = `${T1} stdout F one\n${T2} stdout F two\n${T3} stdout F three\n`;
    const t2 = BigInt(Date.parse('2024-05-01T10:00:00Z')) * 1_000_000n + 2n;
    expect(await read(text, { sinceTime: t2 })).toEqual(['two\n', 'three\n']);
  });

  it('follows the log across a rotation (rename + new file) until the container is done', async () => {
    const path = join(dir, 'follow.log');
    writeFileSync(path, `${T1} stdout P before-\n`);
    let exited = false;
    const got: string[] = [];
    const reading = (async () => {
      for await (const l of readContainerLog(path, { follow: true, done: async () => exited }))
        got.push(l);
    })();
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(path, `${T2} stderr F err\n`);
    renameSync(path, `${path}.20240501T100000.000Z`);
    writeFileSync(path, `${T3} stdout F rotation\n${T4} stdout F after\n`);
    await new Promise((r) => setTimeout(r, 450));
    exited = true;
    await reading;
    expect(got).toEqual(['err\n', 'before-rotation\n', 'after\n']);
  });
});
