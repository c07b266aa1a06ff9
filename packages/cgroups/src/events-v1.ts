import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError, UnavailableError } from './errors.js';
import { closeFd, createEventFd, drainEventFd, EpollLoop } from './events-epoll.js';
import type { CgroupLogger } from './logger.js';
import { MemoryEventWatcher, type MemoryWatchOptions } from './memory-events.js';
import { parseFlatKeyed } from './stats.js';

interface Registration {
  efd: number;
  fileFd: number;
}

/**
 * Watch a v1 memory cgroup: one eventfd registered through `cgroup.event_control` on
 * `memory.oom_control` (OOM), and one per threshold on `memory.usage_in_bytes`. The
 * eventfds join the process-wide epoll set of {@link EpollLoop}. The kernel also signals
 * them when the cgroup is removed, which ends the watch with a `removed` event.
 */
export function watchV1Memory(
  memDir: string,
  path: string,
  options: MemoryWatchOptions,
  logger: CgroupLogger,
): MemoryEventWatcher {
  const thresholds = options.thresholds ?? [];
  for (const t of thresholds) {
    if (!Number.isSafeInteger(t) || t <= 0)
      throw new InvalidArgumentError(
        `memory threshold ${t} is not a positive integer number of bytes`,
      );
  }
  if (!existsSync(join(memDir, 'memory.oom_control')))
    throw new NotFoundError(`cgroup ${path} does not exist in the memory hierarchy (${memDir})`);
  const loop = EpollLoop.shared();
  const regs: Registration[] = [];
  const stop = () => {
    for (const r of regs.splice(0)) {
      loop.remove(r.efd);
      closeFd(r.efd);
      try {
        closeSync(r.fileFd);
      } catch {
        // already closed
      }
    }
  };
  const watcher = new MemoryEventWatcher(path, stop);
  const removedIfGone = (): boolean => {
    if (existsSync(memDir)) return false;
    watcher.push({ type: 'removed', path });
    return true;
  };
  const register = (file: string, args: string, onEvent: () => void) => {
    const efd = createEventFd();
    let fileFd = -1;
    try {
      fileFd = openSync(join(memDir, file), 'r');
      writeFileSync(join(memDir, 'cgroup.event_control'), `${efd} ${fileFd}${args}`);
    } catch (err) {
      closeFd(efd);
      if (fileFd >= 0) closeSync(fileFd);
      throw new UnavailableError(`cannot register a ${file} notification for ${path}`, {
        cause: err,
      });
    }
    regs.push({ efd, fileFd });
    loop.add(efd, () => {
      if (drainEventFd(efd) === 0n || watcher.closed) return;
      try {
        if (!removedIfGone()) onEvent();
      } catch (err) {
        if (!removedIfGone()) {
          logger.warn({ path, err }, 'reading memory state after a cgroup v1 event failed');
          watcher.fail(err as Error);
        }
      }
    });
  };
  try {
    register('memory.oom_control', '', () => {
      const oom = parseFlatKeyed(readFileSync(join(memDir, 'memory.oom_control'), 'utf8'));
      watcher.push({ type: 'oom', path, oomKills: oom.get('oom_kill') ?? 0 });
    });
    for (const t of thresholds) {
      register('memory.usage_in_bytes', ` ${t}`, () => {
        const usage = Number(readFileSync(join(memDir, 'memory.usage_in_bytes'), 'utf8'));
        watcher.push({ type: 'threshold', path, thresholdBytes: t, usageBytes: usage });
      });
    }
  } catch (err) {
    watcher.close();
    throw err;
  }
  return watcher;
}
