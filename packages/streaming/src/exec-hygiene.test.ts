import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { collectExecSync, OutputCap, truncationMarker } from './exec-output-cap.js';
import { superviseProcess } from './exec-supervise.js';

/** True when `pid` no longer exists, or only as a zombie nobody reaped (reported separately). */
function state(pid: number): 'gone' | 'zombie' | 'alive' {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return 'gone';
  try {
    const s = readFileSync(stat, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).startsWith('Z') ? 'zombie' : 'alive';
  } catch {
    return 'gone';
  }
}

async function until(pred: () => boolean, ms = 5000) {
  for (let t = 0; t < ms && !pred(); t += 20) await new Promise((r) => setTimeout(r, 20));
}

describe('superviseProcess', () => {
  it('kills the process group when the session is aborted, and resolves after reaping', async () => {
    const child = spawn('sh', ['-c', 'sleep 1000 & echo $!; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const grandchild = new Promise<number>((r) =>
      child.stdout.once('data', (d: Buffer) => r(Number(d.toString().trim()))),
    );
    const abort = new AbortController();
    const done = superviseProcess(child, { signal: abort.signal });
    const sleeper = await grandchild;
    abort.abort();
    const exit = await done;
    expect(exit).toMatchObject({
      cancelled: true,
      timedOut: false,
      signal: 'SIGKILL',
      exitCode: 137,
    });
    expect(state(child.pid!)).toBe('gone'); // reaped by Node, no zombie
    await until(() => state(sleeper) !== 'alive');
    expect(state(sleeper)).not.toBe('alive'); // the background job died with its group
  });

  it('kills at the timeout', async () => {
    const child = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const exit = await superviseProcess(child, { timeoutMs: 100 });
    expect(exit).toMatchObject({ timedOut: true, cancelled: false, exitCode: 137 });
  });

  it('does not let a daemonized grandchild holding stdout keep the exec open', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & exit 4'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    const started = Date.now();
    const exit = await superviseProcess(child, { outputGraceMs: 200, killGroup: true });
    expect(exit.exitCode).toBe(4);
    expect(Date.now() - started).toBeLessThan(5000);
    process.kill(-child.pid!, 'SIGKILL');
  });

  it('rejects when the command cannot start', async () => {
    const child = spawn('/nonexistent/binary', [], { stdio: 'ignore' });
    await expect(superviseProcess(child)).rejects.toThrow(/ENOENT/);
  });
});

describe('ExecSync output cap', () => {
  it('keeps the first bytes and appends a clear marker', () => {
    const cap = new OutputCap(10);
    cap.write(Buffer.from('0123456'));
    cap.write(Buffer.from('789abcdef'));
    cap.end();
    expect(cap.truncated).toBe(true);
    expect(cap.dropped).toBe(6);
    expect(cap.result().toString()).toBe(`0123456789${truncationMarker(6, 10)}`);
    const small = new OutputCap(10);
    small.end('abc');
    expect(small.result().toString()).toBe('abc');
  });

  it('bounds a chatty probe: `yes` for half a second stays under the cap', async () => {
    const child = spawn('yes', ['chatty probe output'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = await collectExecSync(child, { timeoutMs: 500, maxOutputBytes: 64 * 1024 });
    expect(out.timedOut).toBe(true);
    expect(out.truncated).toBe(true);
    expect(out.stdout.length).toBeLessThan(64 * 1024 + 200);
    expect(out.stdout.toString()).toMatch(
      /\[capstan: output truncated: \d+ more bytes over the 65536-byte limit were dropped\]\n$/,
    );
  });

  it('returns output and exit code of a normal command', async () => {
    const child = spawn('sh', ['-c', 'echo out; echo err >&2; exit 2'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(await collectExecSync(child)).toEqual({
      stdout: Buffer.from('out\n'),
      stderr: Buffer.from('err\n'),
      exitCode: 2,
      timedOut: false,
      truncated: false,
    });
  });
});
