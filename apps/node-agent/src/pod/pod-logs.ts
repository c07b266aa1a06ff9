import { readCriLog, renderCriLogEntry } from '@capstan/cri-log';
import type { Logger } from 'pino';

/**
 * Reads a container's CRI log file as pods/log serves it: optional tail, timestamps,
 * sinceSeconds or sinceTime, and follow (across rotations, until `done()` says the container exited
 * and the file has no more bytes). The format itself is @capstan/cri-log's: partial lines
 * are joined per stream, tags beyond P/F are read, malformed lines are skipped (and logged
 * when a logger is given).
 */
export async function* readContainerLog(
  path: string,
  opts: {
    tailLines?: number;
    timestamps?: boolean;
    follow?: boolean;
    sinceSeconds?: number;
    /** ns since the epoch; wins over sinceSeconds. */
    sinceTime?: bigint;
    signal?: AbortSignal;
    done?: () => Promise<boolean>;
    logger?: Pick<Logger, 'warn'>;
  },
): AsyncGenerator<string> {
  const entries = readCriLog(path, {
    ...(opts.tailLines !== undefined ? { tailLines: Math.max(0, opts.tailLines) } : {}),
    ...(opts.sinceTime !== undefined
      ? { since: opts.sinceTime }
      : opts.sinceSeconds
        ? { since: new Date(Date.now() - opts.sinceSeconds * 1000) }
        : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.done ? { until: opts.done } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    follow: opts.follow ?? false,
  });
  for await (const e of entries) yield renderCriLogEntry(e, opts.timestamps ?? false);
}
