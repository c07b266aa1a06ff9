import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
