/** Something teardown could not remove, and why. */
export interface TeardownFailure {
  /** What it tried: `DEL network kubenet (eth0)`, `delete netns cni-abc`. */
  what: string;
  error: Error;
}

/** What a sandbox teardown removed and what it left behind. */
export interface TeardownReport {
  containerId: string;
  /** What was removed, in order. */
  removed: string[];
  /**
   * What could not be removed. A failed DEL keeps its cache record, so a later
   * `CniDriver.gc` retries it.
   */
  failures: TeardownFailure[];
  /** True when nothing was left behind. */
  complete: boolean;
}
