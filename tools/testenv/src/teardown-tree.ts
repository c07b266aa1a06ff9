import { createHash } from 'node:crypto';
import { lstatSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirsFor, cgroupsOf, removeCgroups, thawCgroups } from './cgroup-cleanup.js';
import type { DaemonProcess } from './daemon-process.js';
import type { Log } from './log.js';
import { mountsUnder, unmountAllUnder } from './mount-cleanup.js';
import { killAndWait } from './proc-kill.js';
import { findProcessesUnder, isShim, type ProcInfo } from './proc-scan.js';

/**
 * containerd 1.6 puts shim sockets in /run/containerd/s/<sha256(address/ns/id)>, a path
 * compiled into the binary. A shim that is SIGKILLed leaves its socket there; we know the
 * name from the shim's own flags.
 */
function shimSocketPath(shim: ProcInfo): string | undefined {
  const flag = (name: string): string | undefined => {
    const at = shim.cmdline.indexOf(name);
    return at >= 0 ? shim.cmdline[at + 1] : undefined;
  };
  const ns = flag('-namespace');
  const id = flag('-id');
  const address = flag('-address');
  if (ns === undefined || id === undefined || address === undefined) return undefined;
  const hash = createHash('sha256')
    .update(join(address, ns, id))
    .digest('hex');
  return `/run/containerd/s/${hash}`;
}

function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Already removed by the shim on a clean exit.
  }
}

/** What to stop, in order, once the containers under the dir are dead. */
export interface TeardownOptions {
  dir: string;
  daemons: readonly DaemonProcess[];
  log: Log;
  /** How long each daemon gets between SIGTERM and SIGKILL. */
  graceMs?: number;
  /**
   * Cgroup paths that belong to this dir alone (a dockerd's `--cgroup-parent`): removed
   * in every hierarchy once their containers' cgroups are gone.
   */
  ownedCgroups?: readonly string[];
}

/**
 * Leaves nothing of a private daemon dir behind:
 * 1. container processes (anything under the dir that is neither a shim nor one of the
 *    daemons) are thawed and SIGKILLed, so no daemon can restart or wait on them;
 * 2. the daemons get SIGTERM (SIGKILL after the grace period), in the order given;
 * 3. shims get SIGTERM, then whatever still references the dir gets SIGKILL;
 * 4. the containers' leaf cgroups, leftover shim sockets and every mount under the dir
 *    (deepest first) are removed, and finally the dir itself.
 * Steps keep going when one fails; the first error is rethrown at the end.
 */
export async function teardownTree(opts: TeardownOptions): Promise<void> {
  const { dir, log } = opts;
  const errors: unknown[] = [];
  const attempt = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      log(`teardown ${dir}: ${what} failed: ${String(err)}`);
      errors.push(err);
    }
  };
  const daemonPids = new Set(opts.daemons.map((d) => d.pid));
  const keepCgroupsOf = [process.pid, ...daemonPids];
  const before = findProcessesUnder(dir).filter((p) => !daemonPids.has(p.pid));
  const shims = before.filter(isShim);
  const containers = before.filter((p) => !isShim(p));
  const cgroups = cgroupsOf(
    containers.map((p) => p.pid),
    [...keepCgroupsOf, ...shims.map((p) => p.pid)],
  );
  const sockets = shims.map(shimSocketPath).filter((s): s is string => s !== undefined);

  if (containers.length > 0) {
    log(`teardown ${dir}: killing ${containers.length} container process(es)`);
    thawCgroups(cgroups);
    await attempt('kill containers', () =>
      killAndWait(
        containers.map((p) => p.pid),
        { first: 'SIGKILL' },
      ),
    );
  }
  for (const daemon of opts.daemons) {
    await attempt(`stop ${daemon.name}`, async () => {
      await daemon.terminate(opts.graceMs ?? 10_000);
    });
  }
  await attempt('stop shims', () =>
    killAndWait(
      shims.map((p) => p.pid),
      { graceMs: 3_000 },
    ),
  );
  await attempt('kill stragglers', async () => {
    const left = findProcessesUnder(dir);
    if (left.length === 0) return;
    log(`teardown ${dir}: killing stragglers ${left.map((p) => p.pid).join(', ')}`);
    const more = cgroupsOf(
      left.map((p) => p.pid),
      keepCgroupsOf,
    );
    cgroups.push(...more);
    thawCgroups(more);
    await killAndWait(
      left.map((p) => p.pid),
      { first: 'SIGKILL' },
    );
  });
  await attempt('remove cgroups', () => {
    const failed = removeCgroups(cgroups);
    failed.push(...removeCgroups((opts.ownedCgroups ?? []).flatMap(cgroupDirsFor)));
    if (failed.length > 0) throw new Error(`cannot remove cgroups: ${failed.join(', ')}`);
  });
  for (const s of sockets) removeSocket(s);
  await attempt('unmount', () => unmountAllUnder(dir));
  await attempt('remove dir', () => {
    // Never recurse through a mount: that could delete files of whatever is mounted there.
    const mounted = mountsUnder(dir);
    if (mounted.length > 0) throw new Error(`not removing ${dir}: ${mounted.length} mount(s) left`);
    rmSync(dir, { recursive: true, force: true });
  });
  if (errors.length > 0) throw errors[0];
}
