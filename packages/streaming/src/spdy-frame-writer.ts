import type { Duplex } from 'node:stream';

/**
 * The outbound half of a SPDY session: frames are written in the order they were queued,
 * including header frames whose compression (asynchronous zlib) is still running — DATA
 * queued after a SYN_REPLY never overtakes it.
 */
export class FrameWriter {
  private readonly out: (Buffer | Promise<Buffer>)[] = [];
  private flushing = false;

  constructor(
    private readonly socket: Duplex,
    /** Called on every frame queued (idle timers). */
    private readonly onActivity: () => void,
    /** Called when a queued frame failed to build (compression error). */
    private readonly onError: (err: Error) => void,
  ) {}

  private get writable(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  /** Writes now, or after frames still being built; false when the socket wants a drain. */
  write(item: Buffer | Promise<Buffer>): boolean {
    if (!this.writable) return true;
    this.onActivity();
    if (this.out.length === 0 && Buffer.isBuffer(item)) return this.socket.write(item);
    this.out.push(item);
    void this.flush();
    return true;
  }

  /** Resolves once every queued frame was handed to the socket (or the socket is gone). */
  async finish(): Promise<void> {
    while (this.out.length > 0 && this.writable) {
      await this.flush();
      if (this.out.length > 0) await new Promise((r) => setImmediate(r));
    }
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.out.length > 0) {
        const head = this.out[0]!;
        const buf = Buffer.isBuffer(head) ? head : await head;
        this.out.shift();
        if (this.writable) this.socket.write(buf);
      }
    } catch (err) {
      this.out.length = 0;
      this.onError(err as Error);
    } finally {
      this.flushing = false;
    }
  }
}
