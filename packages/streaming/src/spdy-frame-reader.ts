import { FrameDecoder, type SpdyFrame } from './spdy-frame.js';
import { HeaderDecompressor, type IncomingHeaders } from './spdy-header-block.js';

/** A frame with a header block (SYN_STREAM, SYN_REPLY, HEADERS). */
export type HeaderFrame = Extract<SpdyFrame, { headerBlock: Buffer }>;

/** What a {@link FrameReader} delivers frames to. */
export interface FrameSink {
  onFrame(frame: Exclude<SpdyFrame, HeaderFrame>): void;
  onHeaderFrame(frame: HeaderFrame, headers: IncomingHeaders): void;
  /** A malformed frame or header block, or a handler threw: a session error. */
  onError(err: Error): void;
}

/**
 * The inbound half of a SPDY session: bytes in, frames out, in order. Header blocks are
 * inflated asynchronously (one zlib stream for the session), so frames behind one wait.
 */
export class FrameReader {
  private readonly decoder = new FrameDecoder();
  private readonly decompressor = new HeaderDecompressor();
  private readonly queue: SpdyFrame[] = [];
  private busy = false;
  private stopped = false;

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    try {
      this.queue.push(...this.decoder.push(chunk));
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.pump();
  }

  /** Resolves once every frame received so far was handled. */
  async drained(): Promise<void> {
    while ((this.busy || this.queue.length > 0) && !this.stopped)
      await new Promise((r) => setImmediate(r));
  }

  /** Stops delivering and frees zlib. */
  close(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.decompressor.close();
  }

  private pump(): void {
    while (!this.busy && !this.stopped && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      if ('headerBlock' in frame) {
        this.busy = true;
        this.decompressor.decompress(frame.headerBlock).then(
          (headers) => {
            this.busy = false;
            this.deliver(() => this.sink.onHeaderFrame(frame, headers));
            this.pump();
          },
          (err: Error) => this.fail(err),
        );
        return;
      }
      this.deliver(() => this.sink.onFrame(frame));
    }
  }

  private deliver(fn: () => void): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink.onError(err);
  }
}
