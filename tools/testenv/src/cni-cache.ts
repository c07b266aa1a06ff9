import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * libcni's result cache. containerd 1.6 offers no setting to move it, and a pod killed
 * with its containerd never gets the CNI DEL that would remove its entries.
 */
export const CNI_RESULTS_DIR = '/var/lib/cni/results';

/** True when a cached result names a pod netns (`interfaces[].sandbox`) under `dir`. */
function sandboxUnder(file: string, dir: string): boolean {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as {
      result?: { interfaces?: { sandbox?: unknown }[] };
    };
    return (cached.result?.interfaces ?? []).some(
      (i) => typeof i.sandbox === 'string' && i.sandbox.startsWith(`${dir}/`),
    );
  } catch {
    // Removed meanwhile by its own containerd, or not a result file.
    return false;
  }
}

/**
 * Removes the cache entries of pods whose netns lived under `dir` (the `cni-loopback`
 * entries containerd writes for every pod, and the pod network's own), plus every entry
 * of the given (private) network names. Other entries are left alone. Returns the names.
 */
export function removeCniCacheFor(
  dir: string,
  networkNames: readonly string[] = [],
  resultsDir = CNI_RESULTS_DIR,
): string[] {
  let names: string[];
  try {
    names = readdirSync(resultsDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const file = join(resultsDir, name);
    if (networkNames.some((n) => name.startsWith(`${n}-`)) || sandboxUnder(file, dir)) {
      rmSync(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}
