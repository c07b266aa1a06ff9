import { type Duplex, Writable } from 'node:stream';
import type { StreamIO } from '@capstan/cri-server';
import type { TerminalSize } from '@capstan/streaming';

/** Writes to `dest` honouring its backpressure; drops what comes once `dest` is gone. */
function writeTo(dest: Writable | undefined, data: Buffer): Promise<void> | undefined {
  if (!dest || dest.destroyed || dest.writableEnded || data.length === 0) return undefined;
  if (dest.write(data)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      dest.off('drain', done);
      dest.off('close', done);
      resolve();
    };
    dest.on('drain', done);
    dest.on('close', done);
  });
}

/**
 * Where a hijacked Docker exec or attach stream's output goes. With a terminal, Docker sends
 * the raw bytes (all of it is stdout); without one, frames of an 8-byte header (stream type
 * 1 = stdout, 2 = stderr, 3 zero bytes, big-endian length) and the payload.
 */
export class DockerOutput extends Writable {
  readonly #raw: boolean;
  readonly #io: Pick<StreamIO, 'stdout' | 'stderr'>;
  #pending: Buffer = Buffer.alloc(0);

  constructor(io: Pick<StreamIO, 'stdout' | 'stderr'>, raw: boolean) {
    super();
    this.#io = io;
    this.#raw = raw;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#raw) {
      void (writeTo(this.#io.stdout, chunk) ?? Promise.resolve()).then(() => cb());
      return;
    }
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const waits: Promise<void>[] = [];
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      const dest = buf[0] === 2 ? this.#io.stderr : buf[0] === 1 ? this.#io.stdout : undefined;
      const w = writeTo(dest, buf.subarray(8, 8 + len));
      if (w) waits.push(w);
      buf = buf.subarray(8 + len);
    }
    this.#pending = Buffer.from(buf);
    void Promise.all(waits).then(() => cb());
  }
}

/**
 * Pipes a hijacked Docker stream into the session's output; resolves once everything Docker
 * sent was written, or when the stream was cut off (destroyed, an error).
 */
export function forwardOutput(
  stream: Duplex,
  io: Pick<StreamIO, 'stdout' | 'stderr'>,
  raw: boolean,
): Promise<void> {
  const out = new DockerOutput(io, raw);
  stream.pipe(out);
  return new Promise((resolve) => {
    out.once('finish', () => resolve());
    stream.once('error', () => resolve());
    stream.once('close', () => {
      // Ended normally: 'finish' follows once the output is written. Cut off: done now.
      if (!stream.readableEnded) resolve();
    });
  });
}

/**
 * Applies the client's terminal sizes as they arrive (errors ignored: the process may be
 * gone). Resolves once the first size is applied, or after `waitMs` without one, so input
 * typed at once reaches a terminal that already has the client's size.
 */
export function followResizes(
  resize: AsyncIterable<TerminalSize> | undefined,
  apply: (size: TerminalSize) => Promise<unknown>,
  waitMs = 500,
): Promise<void> {
  if (!resize) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    const applied = () => {
      clearTimeout(timer);
      resolve();
    };
    void (async () => {
      // The session keeps the newest size seen; apply it before waiting for the next one.
      const latest = (resize as { latest?: TerminalSize }).latest;
      if (latest) await apply(latest).catch(() => {});
      if (latest) applied();
      for await (const size of resize) {
        await apply(size).catch(() => {});
        applied();
      }
      applied();
    })();
  });
}

/**
 * Sends the client's input to Docker (after `ready`, e.g. the first terminal size), and
 * half-closes the stream when the input ends: Docker then closes the process's stdin.
 */
export function forwardInput(stream: Duplex, io: StreamIO, ready: Promise<void>): void {
  const stdin = io.stdin;
  if (!stdin) return;
  void ready.then(() => {
    if (stream.destroyed) return;
    stdin.pipe(stream);
  });
}

/** Resolves when `signal` aborts (at once if it already did). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
