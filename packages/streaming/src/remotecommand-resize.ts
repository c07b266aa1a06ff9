/** A terminal size, as the resize stream carries it (`{"Width":80,"Height":24}`). */
export interface TerminalSize {
  width: number;
  height: number;
}

/** The wire form of a terminal size. */
export function encodeTerminalSize(size: TerminalSize): Buffer {
  return Buffer.from(`${JSON.stringify({ Width: size.width, Height: size.height })}\n`);
}

/**
 * Terminal sizes as they arrive, as an async iterable a runtime can loop over; the loop
 * ends when the session does. Sizes not yet consumed are kept (only the newest matters, so
 * at most the last 16 are).
 */
export class ResizeQueue implements AsyncIterable<TerminalSize> {
  private readonly pending: TerminalSize[] = [];
  private waiter: ((r: IteratorResult<TerminalSize>) => void) | undefined;
  private ended = false;
  /** The newest size seen. */
  latest: TerminalSize | undefined;

  push(size: TerminalSize): void {
    if (this.ended) return;
    this.latest = size;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: size, done: false });
      return;
    }
    this.pending.push(size);
    if (this.pending.length > 16) this.pending.shift();
  }

  end(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const next = this.pending.shift();
        if (next) return Promise.resolve({ value: next, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/**
 * Splits a byte stream of concatenated JSON objects (Go's json.Encoder output) into terminal
 * sizes. Garbage is skipped up to the next `{`; an object over 4 KiB is dropped.
 */
export class TerminalSizeDecoder {
  private buf = '';

  /** The sizes completed by `chunk`. */
  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const out: TerminalSize[] = [];
    for (;;) {
      const start = this.buf.indexOf('{');
      if (start < 0) {
        this.buf = '';
        return out;
      }
      const end = objectEnd(this.buf, start);
      if (end < 0) {
        this.buf = this.buf.slice(start);
        if (this.buf.length > 4096) this.buf = '';
        return out;
      }
      const size = parseSize(this.buf.slice(start, end + 1));
      if (size) out.push(size);
      this.buf = this.buf.slice(end + 1);
    }
  }
}

function objectEnd(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function parseSize(text: string): TerminalSize | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const width = v.Width ?? v.width;
    const height = v.Height ?? v.height;
    if (typeof width === 'number' && typeof height === 'number' && width >= 0 && height >= 0) {
      return {
        width: Math.min(Math.floor(width), 65535),
        height: Math.min(Math.floor(height), 65535),
      };
    }
  } catch {
    // not JSON: skipped
  }
  return undefined;
}
