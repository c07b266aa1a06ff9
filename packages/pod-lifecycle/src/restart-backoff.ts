/**
 * The kubelet's crash-loop back-off: 10 s doubling to 5 min per container, forgotten after
 * the container ran for 10 min. Pure: give it the clock.
 */
export class Backoff {
  private readonly entries = new Map<
    string,
    { delayMs: number; until: number; lastStart: number }
  >();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
    readonly resetAfterMs = 600_000,
  ) {}

  /** Records a restart-worthy exit at `now`; returns when the next start may happen. */
  next(key: string, now: number, ranForMs: number): number {
    const prev = this.entries.get(key);
    const delayMs =
      !prev || ranForMs >= this.resetAfterMs
        ? this.initialMs
        : Math.min(prev.delayMs * 2, this.maxMs);
    const until = now + delayMs;
    this.entries.set(key, { delayMs, until, lastStart: now });
    return until;
  }

  /** Milliseconds still to wait before `key` may start (0 when it may start now). */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.until - now) : 0;
  }

  /** The current delay of `key` (0 when it never backed off). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  forget(keyPrefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(keyPrefix)) this.entries.delete(k);
  }
}
