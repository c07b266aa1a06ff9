import { join } from 'node:path';
import type { CgroupFileSystem } from './cgroup-fs.js';
import { errnoCode, UnimplementedError } from './errors.js';
import type { CgroupLogger } from './logger.js';
import { MemoryEventWatcher, type MemoryWatchOptions } from './memory-events.js';
import { parseFlatKeyed } from './stats.js';

/**
 * Watch a v2 cgroup's `memory.events` with inotify (the kernel calls kernfs_notify on it
 * whenever a counter changes; checked on this kernel with `fs.watch` on cgroupfs) and
 * turn counter increases into events: `oom` (oom or oom_kill grew), `high`, `max`.
 */
export async function watchV2Memory(
  fs: CgroupFileSystem,
  dir: string,
  path: string,
  options: MemoryWatchOptions,
  logger: CgroupLogger,
): Promise<MemoryEventWatcher> {
  if (options.thresholds && options.thresholds.length > 0) {
    throw new UnimplementedError(
      'cgroup v2 has no memory usage threshold notification (it exists only in v1 cgroup.event_control); watch memory.events high/max or poll stats instead',
    );
  }
  const file = join(dir, 'memory.events');
  let last = parseFlatKeyed(await fs.readFile(file));
  let handle: { close(): void } | undefined;
  const watcher = new MemoryEventWatcher(path, () => handle?.close());
  const check = async () => {
    let text: string;
    try {
      text = await fs.readFile(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') watcher.push({ type: 'removed', path });
      else watcher.fail(err as Error);
      return;
    }
    const now = parseFlatKeyed(text);
    const grew = (k: string) => (now.get(k) ?? 0) > (last.get(k) ?? 0);
    if (grew('oom') || grew('oom_kill'))
      watcher.push({ type: 'oom', path, oomKills: now.get('oom_kill') ?? 0 });
    if (grew('max')) watcher.push({ type: 'max', path, count: now.get('max') ?? 0 });
    if (grew('high')) watcher.push({ type: 'high', path, count: now.get('high') ?? 0 });
    last = now;
  };
  let running: Promise<void> = Promise.resolve();
  handle = fs.watch(file, (kind) => {
    if (watcher.closed) return;
    running = running
      .then(async () => {
        if (kind === 'rename' && !(await fs.exists(file))) {
          watcher.push({ type: 'removed', path });
          return;
        }
        await check();
      })
      .catch((err: unknown) => logger.warn({ path, err }, 'memory.events watch failed'));
  });
  return watcher;
}
