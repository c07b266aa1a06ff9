/**
 * One serial worker per pod: a sync request while a sync runs marks the pod dirty and it
 * syncs once more afterwards. A slow pod never blocks another.
 */
export class PodWorkers {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly sync: (uid: string) => Promise<void>,
    private readonly onError: (uid: string, err: unknown) => void,
  ) {}

  kick(uid: string): void {
    if (this.stopped) return;
    if (this.running.has(uid)) {
      this.dirty.add(uid);
      return;
    }
    this.running.add(uid);
    void (async () => {
      do {
        this.dirty.delete(uid);
        try {
          await this.sync(uid);
        } catch (err) {
          this.onError(uid, err);
          this.after(uid, 2000);
        }
      } while (this.dirty.has(uid) && !this.stopped);
      this.running.delete(uid);
    })();
  }

  /** Syncs `uid` again after `ms` (one timer per pod: the earliest wins). */
  after(uid: string, ms: number): void {
    if (this.stopped || this.timers.has(uid)) return;
    const t = setTimeout(
      () => {
        this.timers.delete(uid);
        this.kick(uid);
      },
      Math.max(0, ms),
    );
    this.timers.set(uid, t);
  }

  isBusy(uid: string): boolean {
    return this.running.has(uid);
  }

  busy(): number {
    return this.running.size;
  }

  /** Waits until no sync runs. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
