import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerdConfig } from './containerd-config.js';
import { type DaemonProcess, spawnDaemon, waitUntilReady } from './daemon-process.js';
import { privateDir } from './fs-private-dir.js';
import { socketAccepts } from './http-unix.js';
import { type Log, noLog } from './log.js';
import { overlayWorks } from './overlay-probe.js';
import { teardownTree } from './teardown-tree.js';

/** A private containerd: own config, root, state, sockets and runc roots under `dir`. */
export interface Containerd {
  /** Path of the gRPC unix socket. */
  socket: string;
  /** `unix://<socket>`, the CRI endpoint form. */
  address: string;
  dir: string;
  pid: number;
  /** Snapshotter the CRI plugin (and `ctr --snapshotter`) should use here. */
  snapshotter: 'overlayfs' | 'native';
  /**
   * Kills every container and shim this containerd started, then containerd itself,
   * removes their cgroups, unmounts everything under `dir` and removes it.
   */
  stop(): Promise<void>;
}

export interface StartContainerdOptions {
  /** Private dir to use (created if missing, removed by stop()); default a fresh temp dir. */
  dir?: string;
  /** A registry (host:port) the CRI plugin pulls from over plain HTTP. */
  registryHost?: string;
  /** CRI `sandbox_image`; default `<registryHost>/capstan/pause:3.9` or registry.k8s.io's. */
  sandboxImage?: string;
  /** CNI config dir for the CRI plugin; default an empty dir under `dir`. */
  cniConfDir?: string;
  /** Load the CRI plugin (default true). A containerd for dockerd needs none. */
  cri?: boolean;
  /** Force a snapshotter; by default overlayfs when an overlay mounts here, else native. */
  snapshotter?: 'overlayfs' | 'native';
  log?: Log;
}

/**
 * Starts a private containerd (Debian's 1.6) and resolves once its gRPC socket accepts
 * connections.
 */
export async function startContainerd(opts: StartContainerdOptions = {}): Promise<Containerd> {
  return (await launchContainerd(opts)).containerd;
}

/** startContainerd, also handing out the daemon process (a private dockerd stops it itself). */
export async function launchContainerd(
  opts: StartContainerdOptions,
): Promise<{ containerd: Containerd; daemon: DaemonProcess }> {
  const log = opts.log ?? noLog;
  const dir = privateDir('containerd', opts.dir);
  const socket = join(dir, 'containerd.sock');
  const cri = opts.cri ?? true;
  const cniConfDir = opts.cniConfDir ?? join(dir, 'cni-conf');
  mkdirSync(cniConfDir, { recursive: true });
  const snapshotter = opts.snapshotter ?? ((await overlayWorks(dir)) ? 'overlayfs' : 'native');
  const sandboxImage =
    opts.sandboxImage ??
    (opts.registryHost !== undefined
      ? `${opts.registryHost}/capstan/pause:3.9`
      : 'registry.k8s.io/pause:3.9');
  const configFile = join(dir, 'config.toml');
  writeFileSync(
    configFile,
    containerdConfig({
      dir,
      socket,
      cri,
      snapshotter,
      sandboxImage,
      cniConfDir,
      plainHttpRegistries: opts.registryHost !== undefined ? [opts.registryHost] : [],
    }),
  );
  const daemon = spawnDaemon({
    name: 'containerd',
    command: 'containerd',
    args: ['--config', configFile],
    logFile: join(dir, 'containerd.log'),
    cwd: dir,
  });
  try {
    await waitUntilReady(daemon, `a connection on ${socket}`, () => socketAccepts(socket));
  } catch (err) {
    await teardownTree({ dir, daemons: [daemon], log }).catch(() => {});
    throw err;
  }
  log(`containerd ready on ${socket} (pid ${daemon.pid}, ${snapshotter}, cri ${cri})`);
  let stopping: Promise<void> | undefined;
  const containerd: Containerd = {
    socket,
    address: `unix://${socket}`,
    dir,
    pid: daemon.pid,
    snapshotter,
    stop() {
      stopping ??= teardownTree({ dir, daemons: [daemon], log });
      return stopping;
    },
  };
  return { containerd, daemon };
}
