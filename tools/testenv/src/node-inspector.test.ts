import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INSPECT_FLAG, inspectorUrlFrom, nodeRetainedMemory } from './node-inspector.js';

// A real node child with its inspector open: what it retains after a GC follows what it
// holds (32 MiB of Buffers, then 32 MiB of JS arrays, then nothing), garbage does not count.
const dir = mkdtempSync(join(tmpdir(), 'node-inspector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
globalThis.held = [];
process.stdin.on('data', (d) => {
  const cmd = String(d).trim();
  if (cmd === 'buffers') for (let i = 0; i < 32; i++) held.push(Buffer.alloc(1 << 20, 1));
  if (cmd === 'arrays') for (let i = 0; i < 32; i++) held.push(new Array(1 << 17).fill(i + 0.5));
  if (cmd === 'garbage') for (let i = 0; i < 64; i++) Buffer.alloc(1 << 20, 1).toString('hex').length;
  if (cmd === 'drop') held = [];
  process.stdout.write('ok ' + cmd + '\\n');
});
`;

describe('nodeRetainedMemory', () => {
  it('reads what a node process retains after a full GC', { timeout: 60_000 }, async () => {
    const logFile = join(dir, 'child.log');
    const child = spawn(process.execPath, [INSPECT_FLAG, '-e', PROGRAM], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.pipe(createWriteStream(logFile));
    const lines: string[] = [];
    child.stdout.on('data', (d: Buffer) => lines.push(...String(d).trim().split('\n')));
    const send = async (cmd: string) => {
      child.stdin.write(`${cmd}\n`);
      const end = Date.now() + 20_000;
      while (!lines.includes(`ok ${cmd}`) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      lines.length = 0;
    };
    try {
      const end = Date.now() + 20_000;
      while (!inspectorUrlFrom(logFile) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 50));
      const url = inspectorUrlFrom(logFile);
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
      const base = await nodeRetainedMemory(url!);
      expect(base.heapUsedKiB).toBeGreaterThan(0);
      await send('garbage');
      expect((await nodeRetainedMemory(url!)).totalKiB).toBeLessThan(base.totalKiB + 8 * 1024);
      await send('buffers');
      const buffers = await nodeRetainedMemory(url!);
      expect(buffers.externalKiB - base.externalKiB).toBeGreaterThanOrEqual(32 * 1024);
      await send('arrays');
      const arrays = await nodeRetainedMemory(url!);
      expect(arrays.heapUsedKiB - base.heapUsedKiB).toBeGreaterThanOrEqual(32 * 1024);
      await send('drop');
      expect((await nodeRetainedMemory(url!)).totalKiB).toBeLessThan(base.totalKiB + 8 * 1024);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects with a clear error when nothing listens', async () => {
    await expect(nodeRetainedMemory('ws://127.0.0.1:1/none', 5_000)).rejects.toThrow(
      /inspector ws:\/\/127\.0\.0\.1:1\/none/,
    );
  });

  it('finds no URL in a missing or silent log', () => {
    expect(inspectorUrlFrom(join(dir, 'missing.log'))).toBeUndefined();
  });
});
