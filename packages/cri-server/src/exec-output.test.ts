import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CappedSink, processTree } from './exec-output.js';

describe('exec output', () => {
  it('keeps bytes up to the cap and counts what it dropped', () => {
    const sink = new CappedSink(5);
    sink.push(Buffer.from('abc'));
    sink.push(Buffer.from('defg'));
    sink.push(Buffer.from('h'));
    expect(sink.bytes().toString()).toBe('abcde');
    expect(sink.dropped).toBe(3);
  });

  it('finds a process and its children from /proc', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const tree = processTree(child.pid!);
      expect(tree[0]).toBe(child.pid);
      expect(tree.length).toBeGreaterThanOrEqual(2);
      expect(processTree(process.pid)).toContain(child.pid);
    } finally {
      for (const pid of processTree(child.pid!).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  });
});
