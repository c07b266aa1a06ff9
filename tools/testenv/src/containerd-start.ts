import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeCniCacheFor } from './cni-cache.js';
import { containerdConfig } from './containerd-config.js';
import { type DaemonProcess, spawnDaemon, waitUntilReady } from './daemon-process.js';
import { privateDir } from './fs-private-dir.js';
import { socketAccepts } from './http-unix.js';
import { type Log, noLog } from './log.js';
import { unmountAllUnder } from './mount-cleanup.js';
import type { ExecInNetnsOptions, ExecResult } from './netns.js';
import { setupNodeNetwork } from './node-network.js';
import { overlayWorks } from './overlay-probe.js';
import { teardownTree } from './teardown-tree.js';

/** A private containerd: own config, root, state, sockets and runc roots under `dir`. */
export interface Containerd {
  /** Path of the gRPC unix socket. */
  socket: string;
  /** `unix://<socket>`, the CRI endpoint form. */
  address: string;
  dir: string;
  /** PID of the current containerd process. */
  readonly pid: number;
  /** Snapshotter the CRI plugin (and `ctr --snapshotter`) should use here. */
  snapshotter: 'overlayfs' | 'native';
  /**
   * Kills every container and shim this containerd started, then containerd itself,
   * removes their cgroups, unmounts everything under `dir` and removes it.
   */
  stop(): Promise<void>;
  /** SIGKILLs containerd alone (its shims and containers stay) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts containerd again (same dir, config); resolves once its socket accepts. */
  restart(): Promise<void>;
}

export interface StartContainerdOptions {
  /** Private dir to use (created if missing, removed by stop()); default a fresh temp dir. */
  dir?: string;
  /**
   * containerd's `root` (its metadata DB, content and snapshots) somewhere else than
   * `<dir>/root`, e.g. on a small disk a test fills; removed by stop() too.
   */
  rootDir?: string;
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
  /**
   * Run containerd inside a private "node" network namespace with a bridge pod network
   * over `podCidr` (see {@link NetworkedContainerd}). Needs CRI; not with `cniConfDir`.
   */
  network?: ContainerdNetworkOptions;
  /**
   * Run containerd inside this existing network namespace (`/run/netns/<name>`), with
   * `nsenter --net` (a private dockerd in a node netns puts its containerd there too).
   */
  netnsPath?: string;
  /**
   * A cgroup dir (e.g. a testenv `createStackCgroup(...).dir`) containerd joins before it
   * execs, so it and every shim it spawns are listed in its `cgroup.procs`. The caller
   * owns the cgroup (creates and removes it). Default: the caller's cgroups.
   */
  cgroup?: string;
  log?: Log;
}

export interface ContainerdNetworkOptions {
  /** IPv4 pod subnet for host-local IPAM, e.g. `10.244.0.0/24` (the bridge gets `.1`). */
  podCidr: string;
}

/**
 * A containerd whose CRI pods get a real network, all of it inside a network namespace
 * created for this instance: containerd, its shims and the CNI plugins run there, so the
 * bridge, the host-side veths and portmap's iptables rules live there and vanish with it.
 * The registry (host 127.0.0.1:<port>) answers on the same address inside the namespace.
 */
export interface NetworkedContainerd extends Containerd {
  /** Name of the node netns (`capstan-node-<8 hex>`), as in `ip netns list`. */
  netns: string;
  /** `/run/netns/<netns>`. */
  netnsPath: string;
  podCidr: string;
  /** The CNI bridge device inside the node netns (`cni-<8 hex>`); its address is `.1`. */
  bridge: string;
  /** CNI network name (`capstan-<8 hex>`). */
  networkName: string;
  /**
   * Runs a command in the node netns (`ip netns exec`), e.g.
   * `['/bin/busybox', 'wget', '-qO-', 'http://<podIP>:8080/']`. Resolves for any exit code.
   */
  execInNode(argv: readonly string[], opts?: ExecInNetnsOptions): Promise<ExecResult>;
}

/**
 * Starts a private containerd (Debian's 1.6) and resolves once its gRPC socket accepts
 * connections.
 */
export function startContainerd(
  opts: StartContainerdOptions & { network: ContainerdNetworkOptions },
): Promise<NetworkedContainerd>;
export function startContainerd(opts?: StartContainerdOptions): Promise<Containerd>;
export async function startContainerd(opts: StartContainerdOptions = {}): Promise<Containerd> {
  return (await launchContainerd(opts)).containerd;
}

/** `startContainerd({ ...opts, network: { podCidr } })`. */
export function startNetworkedContainerd(
  opts: Omit<StartContainerdOptions, 'network' | 'cniConfDir'> & ContainerdNetworkOptions,
): Promise<NetworkedContainerd> {
  const { podCidr, ...rest } = opts;
  return startContainerd({ ...rest, network: { podCidr } });
}

/** startContainerd, also handing out the daemon process (a private dockerd stops it itself). */
export async function launchContainerd(
  opts: StartContainerdOptions,
): Promise<{ containerd: Containerd; daemon: DaemonProcess }> {
  const log = opts.log ?? noLog;
  const t0 = Date.now();
  if (opts.network !== undefined && (opts.cri === false || opts.cniConfDir !== undefined)) {
    throw new Error('startContainerd: `network` needs the CRI plugin and its own CNI conf dir');
  }
  const dir = privateDir('containerd', opts.dir);
  const socket = join(dir, 'containerd.sock');
  const cri = opts.cri ?? true;
  const cniConfDir = opts.cniConfDir ?? join(dir, 'cni-conf');
  mkdirSync(cniConfDir, { recursive: true });
  // The overlay probe (a mount) and the node netns setup run side by side.
  const [probed, networkSetup] = await Promise.allSettled([
    opts.snapshotter ?? overlayWorks(dir).then((ok) => (ok ? 'overlayfs' : 'native')),
    opts.network === undefined
      ? undefined
      : setupNodeNetwork({
          dir,
          cniConfDir,
          podCidr: opts.network.podCidr,
          registryHost: opts.registryHost,
        }),
  ]);
  const network = networkSetup.status === 'fulfilled' ? networkSetup.value : undefined;
  if (probed.status === 'rejected' || networkSetup.status === 'rejected') {
    await network?.closeHostSide().catch(() => {});
    await teardownTree({ dir, daemons: network?.daemons ?? [], log }).catch(() => {});
    await network?.remove().catch(() => {});
    throw probed.status === 'rejected'
      ? probed.reason
      : (networkSetup as PromiseRejectedResult).reason;
  }
  const snapshotter = probed.value;
  if (network !== undefined) {
    log(
      `node netns ${network.netns.name}: bridge ${network.bridge}, pods ${network.podCidr} ` +
        `(+${Date.now() - t0} ms)`,
    );
  }
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
      ...(opts.rootDir !== undefined ? { root: opts.rootDir } : {}),
      socket,
      cri,
      snapshotter,
      sandboxImage,
      cniConfDir,
      plainHttpRegistries: opts.registryHost !== undefined ? [opts.registryHost] : [],
    }),
  );
  const args = ['--config', configFile];
  const inNetns = network?.netns.path ?? opts.netnsPath;
  const daemonSpawn: Parameters<typeof spawnDaemon>[0] = {
    name: 'containerd',
    // nsenter switches only the network namespace and execs (same PID). `ip netns exec`
    // would also unshare the mount namespace: container rootfs and pod netns mounts would
    // then be invisible to (and not cleanable by) the test process.
    ...(inNetns === undefined
      ? { command: 'containerd', args }
      : { command: 'nsenter', args: [`--net=${inNetns}`, '--', 'containerd', ...args] }),
    logFile: join(dir, 'containerd.log'),
    cwd: dir,
    ...(opts.cgroup !== undefined ? { cgroup: opts.cgroup } : {}),
  };
  let daemon = spawnDaemon(daemonSpawn);
  const teardown = async (): Promise<void> => {
    const errors: unknown[] = [];
    await network?.closeHostSide().catch((err: unknown) => errors.push(err));
    await teardownTree({ dir, daemons: [daemon, ...(network?.daemons ?? [])], log }).catch(
      (err: unknown) => errors.push(err),
    );
    await network?.remove().catch((err: unknown) => errors.push(err));
    if (opts.rootDir !== undefined) {
      const root = opts.rootDir;
      await unmountAllUnder(root)
        .then(() => rmSync(root, { recursive: true, force: true }))
        .catch((err: unknown) => errors.push(err));
    }
    // Killed pods never got a CNI DEL: drop libcni's cache entries for their netns.
    if (cri) {
      try {
        removeCniCacheFor(dir, network !== undefined ? [network.networkName] : []);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    // The registry forwarder starts meanwhile (a node process: tens of ms).
    await Promise.all([
      waitUntilReady(daemon, `a connection on ${socket}`, () => socketAccepts(socket)),
      network?.ready,
    ]);
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
  log(
    `containerd ready on ${socket} (pid ${daemon.pid}, ${snapshotter}, cri ${cri}` +
      `${network !== undefined ? `, netns ${network.netns.name}` : ''}) in ${Date.now() - t0} ms`,
  );
  let stopping: Promise<void> | undefined;
  const containerd: Containerd = {
    socket,
    address: `unix://${socket}`,
    dir,
    get pid() {
      return daemon.pid;
    },
    snapshotter,
    stop() {
      stopping ??= teardown();
      return stopping;
    },
    async kill() {
      if (daemon.running()) process.kill(daemon.pid, 'SIGKILL');
      await daemon.exited;
    },
    async restart() {
      if (daemon.running()) throw new Error('containerd restart: it is still running');
      if (stopping !== undefined) throw new Error('containerd restart: it was stopped');
      daemon = spawnDaemon(daemonSpawn);
      await waitUntilReady(daemon, `a connection on ${socket}`, () => socketAccepts(socket));
    },
  };
  if (network === undefined) return { containerd, daemon };
  const { netns, podCidr, bridge, networkName, execInNode } = network;
  // Object.assign keeps the pid getter (a spread would freeze today's PID).
  const networked: NetworkedContainerd = Object.assign(containerd, {
    netns: netns.name,
    netnsPath: netns.path,
    podCidr,
    bridge,
    networkName,
    execInNode,
  });
  return { containerd: networked, daemon };
}
