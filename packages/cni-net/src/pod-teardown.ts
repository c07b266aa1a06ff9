import { TeardownError } from './errors.js';
import type { NetworkNamespace } from './netns.js';
import type { NetworkConfigList } from './network-config.js';
import type { CachedAttachment } from './result-cache.js';
import type { TeardownReport } from './teardown-report.js';

/** A sandbox's network to take down. */
export interface TeardownRequest {
  containerId: string;
  /** The sandbox's namespace; deleted after the DELs. */
  netns?: NetworkNamespace;
  /**
   * Networks to DEL even when nothing is cached for them (an ADD that crashed before it
   * could cache), for interface `ifName`. Cached attachments are always DEL'd.
   */
  networks?: readonly NetworkConfigList[];
  /** Interface for `networks` without a cache record. Default `eth0`. */
  ifName?: string;
  /**
   * Keep going past failures and never throw: remove what can be removed, report the
   * rest, and let the caller remove the sandbox anyway. Without it, the first failure
   * throws {@link TeardownError} and nothing after it is tried (the namespace stays, so a
   * retry can still DEL inside it).
   */
  force?: boolean;
  /** Limit per plugin call. */
  timeoutMs?: number;
}

/** The part of the driver teardown needs. */
export interface TeardownHost {
  cachedAttachments(containerId?: string): Promise<CachedAttachment[]>;
  delCached(entry: CachedAttachment, opts?: { timeoutMs?: number }): Promise<void>;
  del(
    network: NetworkConfigList,
    req: { containerId: string; ifName?: string; netns?: string; timeoutMs?: number },
  ): Promise<unknown>;
}

/**
 * Takes a sandbox's network down: DEL every cached attachment of the container (newest
 * first), DEL the extra `networks` that have no record, then delete the namespace.
 */
export async function teardownSandbox(
  host: TeardownHost,
  req: TeardownRequest,
): Promise<TeardownReport> {
  const report: TeardownReport = {
    containerId: req.containerId,
    removed: [],
    failures: [],
    complete: true,
  };
  const opts = req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs };
  const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      report.removed.push(what);
    } catch (err) {
      report.failures.push({ what, error: err instanceof Error ? err : new Error(String(err)) });
      report.complete = false;
      if (!req.force) throw new TeardownError(report);
    }
  };
  let cached: CachedAttachment[] = [];
  try {
    cached = await host.cachedAttachments(req.containerId);
  } catch (err) {
    await step(`read CNI cache of ${req.containerId}`, () => Promise.reject(err));
  }
  const done = new Set<string>();
  for (const entry of [...cached].reverse()) {
    done.add(`${entry.network}/${entry.ifName}`);
    await step(`DEL network ${entry.network} (${entry.ifName})`, () => host.delCached(entry, opts));
  }
  const ifName = req.ifName ?? 'eth0';
  for (const network of req.networks ?? []) {
    if (done.has(`${network.name}/${ifName}`)) continue;
    await step(`DEL network ${network.name} (${ifName}, no cache record)`, () =>
      host.del(network, {
        containerId: req.containerId,
        ifName,
        netns: req.netns?.path ?? '',
        ...opts,
      }),
    );
  }
  const ns = req.netns;
  if (ns) await step(`delete netns ${ns.name}`, () => ns.delete());
  return report;
}
