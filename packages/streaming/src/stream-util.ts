import type { Writable } from 'node:stream';

/**
 * Ends `w` and resolves once everything written was flushed ('finish'), it was destroyed,
 * or `timeoutMs` passed (a peer that stopped reading must not hold a session forever).
 */
export function endAndWait(w: Writable, timeoutMs = 10_000): Promise<void> {
  if (w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      w.off('finish', done);
      w.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    w.on('finish', done);
    w.on('close', done);
    if (!w.writableEnded) w.end();
  });
}

/** Everything `r` yields until its end (or until it is destroyed). */
export function readAll(r: NodeJS.ReadableStream & { destroyed?: boolean }): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    r.on('data', (d: Buffer) => chunks.push(d));
    const done = () => resolve(Buffer.concat(chunks));
    r.on('end', done);
    r.on('close', done);
    r.on('error', done);
  });
}

/** Resolves true when `r` ended normally, false when it was closed or failed first. */
export function ended(r: NodeJS.ReadableStream): Promise<boolean> {
  return new Promise((resolve) => {
    r.on('end', () => resolve(true));
    r.on('close', () => resolve(false));
    r.on('error', () => resolve(false));
  });
}
