import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followResizes, forwardOutput } from './streaming-io.js';

function frame(type: number, text: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([head, Buffer.from(text)]);
}

/**
 * A slow Writable that collects text. `text()` ends it and waits for it, as the streaming
 * server does with a session's output once the runtime resolved.
 */
function sink(highWaterMark = 16 * 1024) {
  let text = '';
  const w = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      setTimeout(cb, 1);
    },
  });
  return {
    w,
    text: () =>
      new Promise<string>((resolve) => {
        w.end(() => resolve(text));
      }),
  };
}

describe('forwardOutput', () => {
  it('splits Docker frames into stdout and stderr, across chunk boundaries', async () => {
    const docker = new PassThrough();
    const out = sink();
    const err = sink();
    const done = forwardOutput(docker, { stdout: out.w, stderr: err.w }, false);
    const bytes = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\n')]);
    for (let i = 0; i < bytes.length; i += 5) docker.write(bytes.subarray(i, i + 5));
    docker.end();
    await done;
    expect(await out.text()).toBe('out-1\nout-2\n');
    expect(await err.text()).toBe('err-1\n');
  });

  it('passes a terminal stream through as stdout, waiting for a slow reader', async () => {
    const docker = new PassThrough();
    const out = sink(4);
    const done = forwardOutput(docker, { stdout: out.w }, true);
    const big = 'x'.repeat(100_000);
    docker.end(big);
    await done;
    expect(await out.text()).toBe(big);
  });

  it('drops a stream the session did not ask for, and ends when Docker cuts the stream', async () => {
    const docker = new PassThrough();
    const out = sink();
    const done = forwardOutput(docker, { stdout: out.w }, false);
    docker.write(Buffer.concat([frame(2, 'nobody reads this'), frame(1, 'kept')]));
    await new Promise((r) => setTimeout(r, 20));
    docker.destroy();
    await done;
    expect(await out.text()).toBe('kept');
  });
});

describe('followResizes', () => {
  it('applies the newest size at once, then each one that comes', async () => {
    const applied: string[] = [];
    const sizes = [{ width: 120, height: 50 }];
    const resize = Object.assign(
      (async function* () {
        yield { width: 100, height: 40 };
        yield* sizes;
      })(),
      { latest: { width: 100, height: 40 } },
    );
    await followResizes(resize, async (s) => applied.push(`${s.width}x${s.height}`));
    expect(applied[0]).toBe('100x40');
    await new Promise((r) => setTimeout(r, 10));
    expect(applied).toContain('120x50');
  });

  it('does not wait longer than told for a first size', async () => {
    const never = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => {}) }) };
    const started = Date.now();
    await followResizes(never, async () => {}, 50);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
