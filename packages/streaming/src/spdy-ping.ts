import { StreamingTimeoutError } from './errors.js';
import { encodePing } from './spdy-frame.js';

/**
 * PING bookkeeping: a client uses odd IDs, a server even ones; a PING with the peer's
 * parity is echoed, one with ours answers an outstanding ping.
 */
export class PingTracker {
  private readonly pending = new Map<number, () => void>();
  private next: number;

  constructor(
    private readonly role: 'client' | 'server',
    private readonly write: (frame: Buffer) => void,
  ) {
    this.next = role === 'client' ? 1 : 2;
  }

  /** Round trip of a PING in milliseconds. */
  ping(timeoutMs: number): Promise<number> {
    const id = this.next;
    this.next = (this.next + 2) % 0x7fffffff || (this.role === 'client' ? 1 : 2);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new StreamingTimeoutError(`no PING reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      });
      this.write(encodePing(id));
    });
  }

  /** A PING arrived. */
  onPing(id: number): void {
    if (id % 2 === (this.role === 'client' ? 1 : 0)) {
      this.pending.get(id)?.();
      this.pending.delete(id);
    } else {
      this.write(encodePing(id));
    }
  }
}
