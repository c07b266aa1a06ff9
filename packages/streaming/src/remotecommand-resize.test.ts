import { describe, expect, it } from 'vitest';
import { encodeTerminalSize, ResizeQueue, TerminalSizeDecoder } from './remotecommand-resize.js';

describe('resize events', () => {
  it('splits Go json.Encoder output arriving in arbitrary pieces', () => {
    const d = new TerminalSizeDecoder();
    const wire = Buffer.concat([
      encodeTerminalSize({ width: 80, height: 24 }),
      Buffer.from('{"Width":100,"Height":40}'),
    ]);
    const sizes = [];
    for (let i = 0; i < wire.length; i += 3) sizes.push(...d.push(wire.subarray(i, i + 3)));
    expect(sizes).toEqual([
      { width: 80, height: 24 },
      { width: 100, height: 40 },
    ]);
  });

  it('skips garbage and objects that are not sizes', () => {
    const d = new TerminalSizeDecoder();
    expect(d.push('garbage{"Width":"x"}{"a":{"b":"}"}}{"Width":5,"Height":6}')).toEqual([
      { width: 5, height: 6 },
    ]);
    expect(d.push('{'.repeat(5000))).toEqual([]);
    expect(d.push('{"Width":1,"Height":2}')).toEqual([{ width: 1, height: 2 }]);
  });

  it('queues sizes for a runtime that starts reading late, and ends', async () => {
    const q = new ResizeQueue();
    q.push({ width: 1, height: 1 });
    q.push({ width: 2, height: 2 });
    setTimeout(() => q.end(), 10);
    const seen = [];
    for await (const s of q) seen.push(s);
    expect(seen).toEqual([
      { width: 1, height: 1 },
      { width: 2, height: 2 },
    ]);
    expect(q.latest).toEqual({ width: 2, height: 2 });
  });
});
