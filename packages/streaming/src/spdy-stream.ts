import { Duplex } from 'node:stream';
import { MAX_WINDOW, RstStatus } from './spdy-frame.js';
import type { IncomingHeaders } from './spdy-header-block.js';
import { creditThreshold } from './spdy-recv-credit.js';

/** What a stream needs from its session (implemented by SpdySession). */
export interface SpdyStreamOwner {
  /** Bytes this stream may send now (Infinity when the peer does no flow control). */
  sendAllowance(stream: SpdyStream): number;
  /** Queues a DATA frame and charges the windows; false when the socket wants a drain. */
  sendData(stream: SpdyStream, data: Buffer, fin: boolean): boolean;
  /** Resolves when the socket drained, or the session closed. */
  drained(): Promise<void>;
  sendReply(stream: SpdyStream): void;
  sendReset(stream: SpdyStream, status: number): void;
  /** Credits `delta` consumed bytes to the stream's and the session's windows (batched). */
  sendWindowUpdate(stream: SpdyStream, delta: number): void;
  /** Returns bytes of a stream that can receive no more to the session window. */
  releaseSessionCredit(bytes: number): void;
  /** The stream can take no more input for now / can again. */
  pauseInput(stream: SpdyStream): void;
  resumeInput(stream: SpdyStream): void;
  /** Both directions are done (or reset): forget the stream. */
  forget(stream: SpdyStream): void;
}

/** Largest DATA frame this implementation writes. */
export const MAX_DATA_CHUNK = 32 * 1024;

/**
 * One SPDY stream as a Node Duplex: writes become DATA frames (split, and held back by the
 * peer's window when the peer does flow control), `end()` sends FIN, reads deliver the
 * peer's DATA and end at its FIN. Network trouble never emits 'error': a reset or a lost
 * session destroys the stream quietly (see `resetStatus`), so a runtime piping a process
 * into it cannot crash on a client that went away; writes after that are dropped.
 */
export class SpdyStream extends Duplex {
  readonly id: number;
  /** The SYN_STREAM headers (the peer's for inbound streams, ours for outbound ones). */
  readonly headers: IncomingHeaders;
  /** True for streams the peer opened. */
  readonly inbound: boolean;
  /** The RST_STREAM status, when the stream was reset (by either side). */
  resetStatus: number | undefined;
  /** Send window as the peer granted it (may go negative after a SETTINGS change). */
  sendWindow: number;
  /** Whether SYN_REPLY was sent (inbound) or received (outbound). */
  replied = false;
  /** This side sent FIN. */
  localFin = false;
  /** The peer sent FIN. */
  remoteFin = false;

  private readonly owner: SpdyStreamOwner;
  /** Consumed bytes that make a WINDOW_UPDATE worth sending. */
  private readonly creditAt: number;
  private pushedTotal = 0;
  private acked = 0;
  private windowWaiters: (() => void)[] = [];
  private forgotten = false;

  constructor(
    owner: SpdyStreamOwner,
    id: number,
    headers: IncomingHeaders,
    opts: { inbound: boolean; sendWindow: number; recvWindow: number },
  ) {
    super({ allowHalfOpen: true, highWaterMark: 64 * 1024 });
    this.owner = owner;
    this.id = id;
    this.headers = headers;
    this.inbound = opts.inbound;
    this.sendWindow = opts.sendWindow;
    this.creditAt = creditThreshold(opts.recvWindow);
  }

  /** Sends SYN_REPLY for an inbound stream (idempotent; writing also does it). */
  accept(): void {
    if (!this.inbound || this.replied || this.resetStatus !== undefined) return;
    this.replied = true;
    this.owner.sendReply(this);
  }

  /** Sends RST_STREAM (default CANCEL) and destroys the stream. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.resetStatus !== undefined || (this.localFin && this.remoteFin)) {
      this.destroy();
      return;
    }
    this.resetStatus = status;
    this.owner.sendReset(this, status);
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeChunk(chunk).then(() => cb(), cb);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    if (this.inbound) this.accept();
    let off = 0;
    while (off < chunk.length) {
      if (this.resetStatus !== undefined || this.destroyed || this.localFin) return;
      const allowance = Math.min(this.owner.sendAllowance(this), MAX_DATA_CHUNK);
      if (allowance <= 0) {
        await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
        continue;
      }
      const n = Math.min(allowance, chunk.length - off);
      const ok = this.owner.sendData(this, chunk.subarray(off, off + n), false);
      off += n;
      if (!ok) await this.owner.drained();
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.inbound) this.accept();
    if (this.resetStatus === undefined && !this.localFin) {
      this.localFin = true;
      this.owner.sendData(this, Buffer.alloc(0), true);
    }
    this.maybeForget();
    cb();
  }

  override _read(): void {
    this.owner.resumeInput(this);
    // Credit only half windows: a trickle of output never makes us write (see RecvCredit
    // for what a write to a server that just closed the connection costs).
    const consumed = this.pushedTotal - this.readableLength - this.acked;
    if (consumed >= this.creditAt && !this.remoteFin && this.resetStatus === undefined) {
      this.acked += consumed;
      this.owner.sendWindowUpdate(this, consumed);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.localFin && this.remoteFin) && this.resetStatus === undefined) {
      this.resetStatus = RstStatus.CANCEL;
      this.owner.sendReset(this, RstStatus.CANCEL);
    }
    this.wakeWriters();
    this.releaseCredit();
    this.forgotten = true;
    this.owner.forget(this);
    cb(err);
  }

  /** Session: DATA arrived for this stream. */
  onData(data: Buffer): void {
    if (this.destroyed || this.remoteFin) return;
    if (data.length > 0) {
      this.pushedTotal += data.length;
      if (!this.push(data)) this.owner.pauseInput(this);
    }
  }

  /** Session: the peer sent FIN. */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    if (!this.destroyed) this.push(null);
    this.releaseCredit();
    this.maybeForget();
  }

  /** Session: the peer reset the stream, or the session ended under it. */
  onReset(status: number): void {
    if (this.resetStatus === undefined) this.resetStatus = status;
    this.destroy();
  }

  /** Session: the peer granted more window (or SETTINGS changed it). */
  onWindow(delta: number): boolean {
    this.sendWindow += delta;
    if (this.sendWindow > MAX_WINDOW) return false;
    this.wakeWriters();
    return true;
  }

  /** Session: the session window opened up. */
  wakeWriters(): void {
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const w of waiters) w();
  }

  /** The stream can receive no more: what it holds unacknowledged goes back to the session. */
  private releaseCredit(): void {
    const owed = this.pushedTotal - this.acked;
    this.acked = this.pushedTotal;
    if (owed > 0) this.owner.releaseSessionCredit(owed);
  }

  private maybeForget(): void {
    if (this.localFin && this.remoteFin && !this.forgotten) {
      this.forgotten = true;
      this.owner.forget(this);
    }
  }
}
