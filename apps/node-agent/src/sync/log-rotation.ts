import { ContainerState, type CriClient } from '@capstan/cri-api';
import { isNotFound, pruneRotatedCriLogs, rotateCriLog } from '@capstan/cri-log';
import type { Logger } from 'pino';

/** The kubelet's container log rotation settings. */
export interface LogRotationOptions {
  /** Rotate a container's log when it grows past this (bytes). Default 10 MiB. */
  maxSize: number;
  /** Files kept per container, the live one included. Default 5. */
  maxFiles: number;
}

/**
 * One rotation pass (the kubelet's container log manager): every running container whose
 * log is larger than maxSize has it renamed to `<log>.<timestamp>` and the runtime is told
 * to reopen it (ReopenContainerLog); the oldest rotated files beyond maxFiles are removed.
 * The file mechanics are @capstan/cri-log's; the CRI calls stay here.
 */
export async function rotateLogs(
  cri: CriClient,
  opts: LogRotationOptions,
  logger: Logger,
): Promise<number> {
  const { containers } = await cri.runtime.listContainers({
    filter: { state: { state: ContainerState.CONTAINER_RUNNING } },
  });
  let rotated = 0;
  for (const c of containers) {
    const status = (await cri.runtime.containerStatus({ containerId: c.id }).catch(() => undefined))
      ?.status;
    const path = status?.logPath;
    if (!path) continue;
    try {
      const r = await rotateCriLog(path, {
        ...opts,
        reopen: async () => {
          await cri.runtime.reopenContainerLog({ containerId: c.id });
        },
      });
      if (r.rotated) rotated++;
    } catch (err) {
      // No live file (not written yet): only keep the rotated ones within maxFiles.
      if (isNotFound(err)) await pruneRotatedCriLogs(path, opts.maxFiles).catch(() => {});
      else
        logger.warn(
          { container: c.id.slice(0, 12), err: (err as Error).message },
          'log rotation failed',
        );
    }
  }
  return rotated;
}
