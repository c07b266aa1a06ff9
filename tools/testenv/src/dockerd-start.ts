import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchContainerd } from './containerd-start.js';
import { spawnDaemon, waitUntilReady } from './daemon-process.js';
import { privateDir } from './fs-private-dir.js';
import { unixRequest } from './http-unix.js';
import { type Log, noLog } from './log.js';
import { overlayWorks } from './overlay-probe.js';
import { teardownTree } from './teardown-tree.js';

/** A private dockerd on its own containerd, everything under `dir`. */
export interface Dockerd {
  /** Path of the Engine API unix socket (`unix://<socket>` for a Docker client). */
  socket: string;
  dir: string;
  pid: number;
  /** The private containerd dockerd runs its containers on. */
  containerdSocket: string;
  /** Cgroup parent of every container (cgroupfs driver); removed by stop(). */
  cgroupParent: string;
  /** `overlay2`, or `vfs` when overlay does not mount here. */
  storageDriver: 'overlay2' | 'vfs';
  /**
   * Kills every container process, stops dockerd and then its containerd, kills shims,
   * removes container cgroups, unmounts everything under `dir` (layers, netns, shm) and
   * removes it.
   */
  stop(): Promise<void>;
}

export interface StartDockerdOptions {
  /** Private dir to use (created if missing, removed by stop()); default a fresh temp dir. */
  dir?: string;
  log?: Log;
}

async function pingOk(socket: string): Promise<boolean> {
  const res = await unixRequest(socket, { path: '/_ping', timeoutMs: 2_000 });
  return res.status === 200 && res.body.toString() === 'OK';
}

/**
 * Starts a private containerd (no CRI) and a dockerd pinned to it with `--containerd`
 * (otherwise dockerd 20.10 would use a system containerd if one listens), without a
 * bridge, iptables or IP forwarding. Resolves once `GET /_ping` answers `OK`.
 *
 * Outside `dir`, dockerd 20.10 itself creates /etc/docker/key.json (its trust key) and
 * an empty /run/docker/plugins; neither path can be moved by a flag.
 */
export async function startDockerd(opts: StartDockerdOptions = {}): Promise<Dockerd> {
  const log = opts.log ?? noLog;
  const dir = privateDir('dockerd', opts.dir);
  const { containerd, daemon: containerdDaemon } = await launchContainerd({
    dir: join(dir, 'containerd'),
    cri: false,
    log,
  });
  const storageDriver = (await overlayWorks(dir)) ? 'overlay2' : 'vfs';
  const socket = join(dir, 'docker.sock');
  // Containers' cgroups go under a parent of our own (not the shared /docker), so that
  // stop() can remove the parent too.
  const cgroupParent = `/capstan-dockerd-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
  const configFile = join(dir, 'daemon.json');
  // An explicit empty config: never read /etc/docker/daemon.json.
  writeFileSync(configFile, '{}\n');
  const dockerd = spawnDaemon({
    name: 'dockerd',
    command: 'dockerd',
    args: [
      `--host=unix://${socket}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `--config-file=${configFile}`,
      `--containerd=${containerd.socket}`,
      `--storage-driver=${storageDriver}`,
      `--cgroup-parent=${cgroupParent}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--userland-proxy=false',
      '--shutdown-timeout=3',
    ],
    logFile: join(dir, 'dockerd.log'),
    cwd: dir,
  });
  const stop = (): Promise<void> =>
    teardownTree({
      dir,
      daemons: [dockerd, containerdDaemon],
      log,
      ownedCgroups: [cgroupParent],
    });
  try {
    await waitUntilReady(dockerd, `GET /_ping on ${socket}`, () => pingOk(socket), 60_000);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  log(`dockerd ready on ${socket} (pid ${dockerd.pid}, ${storageDriver})`);
  let stopping: Promise<void> | undefined;
  return {
    socket,
    dir,
    pid: dockerd.pid,
    containerdSocket: containerd.socket,
    cgroupParent,
    storageDriver,
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
}
