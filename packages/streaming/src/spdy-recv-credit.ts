import { DEFAULT_WINDOW, encodeWindowUpdate } from './spdy-frame.js';

/**
 * Credit is owed once this much of a window was consumed: half the default window, so a
 * peer that ignored our SETTINGS (and still counts 64 KiB) is never starved.
 */
export function creditThreshold(recvWindow: number): number {
  return Math.max(1, Math.floor(Math.min(recvWindow, DEFAULT_WINDOW) / 2));
}

/**
 * The receive side of SPDY/3.1 flow control: window credit owed to the peer for bytes the
 * application consumed. It is sent only to a peer that showed it does flow control (sent
 * INITIAL_WINDOW_SIZE or a WINDOW_UPDATE), and then as WINDOW_UPDATE frames in one write,
 * from `setImmediate`, that is after libuv has read what had already arrived.
 *
 * Why: Go's spdystream (the kubelet's, containerd's and CRI-O's stream servers) neither
 * grants nor honours windows, and its servers close the connection right after their last
 * frames. A write that reaches such a server after its close is answered with a TCP RST:
 * its kernel drops what it had not sent yet, our next write fails with EPIPE, and Node
 * destroys the socket with the frames our kernel still held, such as the output's FIN and
 * the exit Status. client-go never writes WINDOW_UPDATE, so it never loses them; neither
 * may we (seen as `attach -i` failing with "connection closed before the command
 * finished" against containerd 1.6 on a loaded machine).
 */
export class RecvCredit {
  private readonly streams = new Map<number, number>();
  private session = 0;
  private pending: NodeJS.Immediate | undefined;
  private peerCounts = false;

  constructor(
    private readonly write: (frames: Buffer) => void,
    private readonly sessionThreshold: number,
  ) {}

  /** `bytes` of stream `id` were consumed: credit the stream and the session. */
  stream(id: number, bytes: number): void {
    if (!this.peerCounts) return;
    this.streams.set(id, (this.streams.get(id) ?? 0) + bytes);
    this.session += bytes;
    this.schedule();
  }

  /** `bytes` to return to the session window only (a finished or unknown stream's). */
  sessionOnly(bytes: number): void {
    if (!this.peerCounts) return;
    this.session += bytes;
    if (this.session >= this.sessionThreshold) this.schedule();
  }

  /**
   * The peer does flow control: from now on it gets credit. (Our own server says so in its
   * first frames; a peer that has not said so has nothing owed it.)
   */
  peerDoesFlowControl(): void {
    this.peerCounts = true;
  }

  /** Drops what is owed (the session ended). */
  close(): void {
    clearImmediate(this.pending);
    this.pending = undefined;
    this.streams.clear();
    this.session = 0;
  }

  private schedule(): void {
    this.pending ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.pending = undefined;
    const frames: Buffer[] = [];
    for (const [id, delta] of this.streams) frames.push(encodeWindowUpdate(id, delta));
    this.streams.clear();
    if (this.session > 0) frames.push(encodeWindowUpdate(0, this.session));
    this.session = 0;
    if (frames.length > 0) this.write(Buffer.concat(frames));
  }
}
