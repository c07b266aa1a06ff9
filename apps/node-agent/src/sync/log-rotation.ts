import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ContainerState, type CriClient } from '@capstan/cri-api';
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
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size > opts.maxSize) {
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      await rename(path, `${path}.${stamp}`);
      try {
        await cri.runtime.reopenContainerLog({ containerId: c.id });
        rotated++;
      } catch (err) {
        // The runtime cannot reopen: put the file back rather than lose its output.
        await rename(`${path}.${stamp}`, path).catch(() => {});
        logger.warn(
          { container: c.id.slice(0, 12), err: (err as Error).message },
          'log rotation failed: ReopenContainerLog',
        );
        continue;
      }
    }
    const dir = dirname(path);
    const prefix = `${basename(path)}.`;
    const old = (await readdir(dir).catch(() => [] as string[]))
      .filter((f) => f.startsWith(prefix))
      .sort();
    for (const f of old.slice(0, Math.max(0, old.length - (opts.maxFiles - 1))))
      await unlink(join(dir, f)).catch(() => {});
  }
  return rotated;
}
