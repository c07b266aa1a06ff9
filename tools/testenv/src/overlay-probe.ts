import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cache = new Map<number, Promise<boolean>>();

async function probe(parent: string): Promise<boolean> {
  const dir = mkdtempSync(join(parent, '.overlay-probe-'));
  const [lower, upper, work, merged] = ['l', 'u', 'w', 'm'].map((n) => join(dir, n)) as [
    string,
    string,
    string,
    string,
  ];
  for (const d of [lower, upper, work, merged]) mkdirSync(d);
  writeFileSync(join(lower, 'f'), 'lower');
  let mounted = false;
  try {
    await run('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
      merged,
    ]);
    mounted = true;
    writeFileSync(join(merged, 'g'), 'upper');
    return (
      readFileSync(join(merged, 'f'), 'utf8') === 'lower' && statSync(join(upper, 'g')).isFile()
    );
  } catch {
    return false;
  } finally {
    if (mounted) await run('umount', [merged]).catch(() => run('umount', ['-l', merged]));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether an overlay filesystem can be mounted with its layers on the filesystem that
 * holds `dir` (checked once per filesystem by mounting a tiny overlay). containerd's
 * overlayfs snapshotter and dockerd's overlay2 driver need exactly that.
 */
export function overlayWorks(dir: string): Promise<boolean> {
  const dev = statSync(dir).dev;
  let result = cache.get(dev);
  if (result === undefined) {
    result = probe(dir);
    cache.set(dev, result);
  }
  return result;
}
