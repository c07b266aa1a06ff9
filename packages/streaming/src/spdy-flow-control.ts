import { SpdyProtocolError } from './errors.js';
import {
  DEFAULT_WINDOW,
  GoAwayStatus,
  MAX_WINDOW,
  type SettingEntry,
  SettingId,
} from './spdy-frame.js';
import type { SpdyStream } from './spdy-stream.js';

/**
 * The send side of SPDY/3.1 flow control: the peer's initial stream window (SETTINGS), the
 * session window (WINDOW_UPDATE on stream 0) and whether to honour them at all. In `auto`
 * mode windows are enforced only once the peer shows it does flow control, because Go's
 * spdystream (kubectl, the kubelet) never grants window and would stall a strict sender.
 */
export class SendFlowControl {
  private enforce: boolean;
  /** The window every new stream starts with. */
  peerInitialWindow = DEFAULT_WINDOW;
  private sessionWindow = DEFAULT_WINDOW;

  constructor(private readonly mode: 'auto' | 'on' | 'off') {
    this.enforce = mode === 'on';
  }

  /** Bytes `stream` may send now. */
  allowance(stream: SpdyStream): number {
    return this.enforce
      ? Math.min(stream.sendWindow, this.sessionWindow)
      : Number.POSITIVE_INFINITY;
  }

  /** Charges a DATA frame to the stream and the session. */
  charge(stream: SpdyStream, bytes: number): void {
    stream.sendWindow -= bytes;
    this.sessionWindow -= bytes;
  }

  /** Applies INITIAL_WINDOW_SIZE to every open stream (others are ignored). */
  onSettings(entries: readonly SettingEntry[], streams: Iterable<SpdyStream>): void {
    for (const e of entries) {
      if (e.id !== SettingId.INITIAL_WINDOW_SIZE) continue;
      if (e.value > MAX_WINDOW) {
        throw new SpdyProtocolError(`INITIAL_WINDOW_SIZE ${e.value}`, GoAwayStatus.PROTOCOL_ERROR);
      }
      const delta = e.value - this.peerInitialWindow;
      this.peerInitialWindow = e.value;
      this.peerDoesFlowControl();
      for (const s of streams) s.onWindow(delta);
    }
  }

  /**
   * A WINDOW_UPDATE. Stream 0 opens the session window (waking every stream); for another
   * stream, returns false when its window overflowed (the caller resets it).
   */
  onWindowUpdate(streamId: number, delta: number, streams: Map<number, SpdyStream>): boolean {
    this.peerDoesFlowControl();
    if (delta === 0)
      throw new SpdyProtocolError('WINDOW_UPDATE with delta 0', GoAwayStatus.PROTOCOL_ERROR);
    if (streamId !== 0) return streams.get(streamId)?.onWindow(delta) ?? true;
    this.sessionWindow += delta;
    if (this.sessionWindow > MAX_WINDOW) {
      throw new SpdyProtocolError('session window overflow', GoAwayStatus.PROTOCOL_ERROR);
    }
    for (const s of streams.values()) s.wakeWriters();
    return true;
  }

  private peerDoesFlowControl(): void {
    if (this.mode === 'auto') this.enforce = true;
  }
}
