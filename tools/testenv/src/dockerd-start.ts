import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeCniCacheFor } from './cni-cache.js';
import { launchContainerd } from './containerd-start.js';
import { type DaemonProcess, spawnDaemon, waitUntilReady } from './daemon-process.js';
import { privateDir } from './fs-private-dir.js';
import { unixRequest } from './http-unix.js';
import { type Log, noLog } from './log.js';
import type { ExecInNetnsOptions, ExecResult } from './netns.js';
import { type NodeNetwork, setupNodeNetwork } from './node-network.js';
import { overlayWorks } from './overlay-probe.js';
import { teardownTree } from './teardown-tree.js';

/** A private dockerd on its own containerd, everything under `dir`. */
export interface Dockerd {
  /** Path of the Engine API unix socket (`unix://<socket>` for a Docker client). */
  socket: string;
  dir: string;
  /** PID of the current dockerd process. */
  readonly pid: number;
  /** The private containerd dockerd runs its containers on. */
  containerdSocket: string;
  /** Cgroup parent of every container (cgroupfs driver); removed by stop(). */
  cgroupParent: string;
  /** `overlay2`, or `vfs` when overlay does not mount here. */
  storageDriver: 'overlay2' | 'vfs';
  /** SIGKILLs dockerd alone (its containerd and shims stay) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts dockerd again (same dir, socket, flags); resolves once `/_ping` answers. */
  restart(): Promise<void>;
  /**
   * Kills every container process, stops dockerd and then its containerd, kills shims,
   * removes container cgroups, unmounts everything under `dir` (layers, netns, shm) and
   * removes it.
   */
  stop(): Promise<void>;
}

/**
 * A dockerd (and its containerd) running inside a private "node" network namespace, with
 * a CNI bridge pod network configured for a CRI shim to use (the shim runs the plugins
 * in `netnsPath`) and the registry reachable on the same 127.0.0.1 address inside it.
 */
export interface NetworkedDockerd extends Dockerd {
  /** Name of the node netns (`capstan-node-<8 hex>`), as in `ip netns list`. */
  netns: string;
  /** `/run/netns/<netns>`. */
  netnsPath: string;
  podCidr: string;
  /** The CNI bridge device the conflist names (`cni-<8 hex>`); its address is `.1`. */
  bridge: string;
  /** CNI network name (`capstan-<8 hex>`). */
  networkName: string;
  /** Directory holding `10-capstan.conflist` (bridge + host-local + portmap). */
  cniConfDir: string;
  /** host-local's data dir (allocated pod IPs), under `dir`. */
  ipamDataDir: string;
  /** Runs a command in the node netns (`ip netns exec`); resolves for any exit code. */
  execInNode(argv: readonly string[], opts?: ExecInNetnsOptions): Promise<ExecResult>;
}

export interface StartDockerdOptions {
  /** Private dir to use (created if missing, removed by stop()); default a fresh temp dir. */
  dir?: string;
  /**
   * Run dockerd and its containerd inside a node netns with a bridge pod network over
   * `podCidr` (see {@link NetworkedDockerd}); `registryHost` (127.0.0.1:<port>) is bridged
   * into it.
   */
  network?: { podCidr: string; registryHost?: string };
  /**
   * A cgroup dir (e.g. a testenv `createStackCgroup(...).dir`) that dockerd and its
   * containerd join before they exec: with them every containerd-shim they spawn. The
   * caller owns the cgroup (creates and removes it). Default: the caller's cgroups.
   */
  cgroup?: string;
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
 * With `network`, both run under `nsenter --net=<node netns>` (not `ip netns exec`, which
 * would also unshare the mount namespace and hide container mounts from the caller), so
 * host-network containers share the node netns, and a CRI shim attaches pods with the
 * conflist in `cniConfDir`, running the plugins in the same netns.
 *
 * Outside `dir`, dockerd 20.10 itself creates /etc/docker/key.json (its trust key) and
 * an empty /run/docker/plugins; neither path can be moved by a flag.
 */
export function startDockerd(
  opts: StartDockerdOptions & { network: { podCidr: string; registryHost?: string } },
): Promise<NetworkedDockerd>;
export function startDockerd(opts?: StartDockerdOptions): Promise<Dockerd>;
export async function startDockerd(opts: StartDockerdOptions = {}): Promise<Dockerd> {
  const log = opts.log ?? noLog;
  const dir = privateDir('dockerd', opts.dir);
  const cniConfDir = join(dir, 'cni-conf');
  let network: NodeNetwork | undefined;
  if (opts.network !== undefined) {
    mkdirSync(cniConfDir, { recursive: true });
    try {
      network = await setupNodeNetwork({
        dir,
        cniConfDir,
        podCidr: opts.network.podCidr,
        registryHost: opts.network.registryHost,
      });
    } catch (err) {
      await teardownTree({ dir, daemons: [], log }).catch(() => {});
      throw err;
    }
  }
  const netnsPath = network?.netns.path;
  let containerdDaemon: DaemonProcess | undefined;
  let dockerd: DaemonProcess | undefined;
  let dockerdSpawn: Parameters<typeof spawnDaemon>[0] | undefined;
  const cgroupParent = `/capstan-dockerd-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    await network?.closeHostSide().catch((err: unknown) => errors.push(err));
    const daemons = [dockerd, containerdDaemon, ...(network?.daemons ?? [])].filter(
      (d): d is DaemonProcess => d !== undefined,
    );
    await teardownTree({ dir, daemons, log, ownedCgroups: [cgroupParent] }).catch((err: unknown) =>
      errors.push(err),
    );
    await network?.remove().catch((err: unknown) => errors.push(err));
    if (network !== undefined) {
      try {
        removeCniCacheFor(dir, [network.networkName]);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  const socket = join(dir, 'docker.sock');
  let storageDriver: 'overlay2' | 'vfs';
  try {
    const launched = await launchContainerd({
      dir: join(dir, 'containerd'),
      cri: false,
      log,
      ...(opts.cgroup !== undefined ? { cgroup: opts.cgroup } : {}),
      ...(netnsPath !== undefined ? { netnsPath } : {}),
    });
    containerdDaemon = launched.daemon;
    const { containerd } = launched;
    storageDriver = (await overlayWorks(dir)) ? 'overlay2' : 'vfs';
    const configFile = join(dir, 'daemon.json');
    // An explicit empty config: never read /etc/docker/daemon.json.
    writeFileSync(configFile, '{}\n');
    const args = [
      `--host=unix://${socket}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `--config-file=${configFile}`,
      `--containerd=${containerd.socket}`,
      `--storage-driver=${storageDriver}`,
      // Containers' cgroups go under a parent of our own (not the shared /docker), so
      // that stop() can remove the parent too.
      `--cgroup-parent=${cgroupParent}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--userland-proxy=false',
      '--shutdown-timeout=3',
    ];
    dockerdSpawn = {
      name: 'dockerd',
      ...(netnsPath === undefined
        ? { command: 'dockerd', args }
        : { command: 'nsenter', args: [`--net=${netnsPath}`, '--', 'dockerd', ...args] }),
      logFile: join(dir, 'dockerd.log'),
      cwd: dir,
      ...(opts.cgroup !== undefined ? { cgroup: opts.cgroup } : {}),
    };
    dockerd = spawnDaemon(dockerdSpawn);
    await Promise.all([
      waitUntilReady(dockerd, `GET /_ping on ${socket}`, () => pingOk(socket), 60_000),
      network?.ready,
    ]);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  log(
    `dockerd ready on ${socket} (pid ${dockerd.pid}, ${storageDriver}` +
      `${network !== undefined ? `, netns ${network.netns.name}` : ''})`,
  );
  let stopping: Promise<void> | undefined;
  const base: Dockerd = {
    socket,
    dir,
    get pid() {
      return (dockerd as DaemonProcess).pid;
    },
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    cgroupParent,
    storageDriver,
    async kill() {
      const d = dockerd as DaemonProcess;
      if (d.running()) process.kill(d.pid, 'SIGKILL');
      await d.exited;
    },
    async restart() {
      if (dockerd?.running()) throw new Error('dockerd restart: it is still running');
      if (stopping !== undefined) throw new Error('dockerd restart: it was stopped');
      const d = spawnDaemon(dockerdSpawn as Parameters<typeof spawnDaemon>[0]);
      dockerd = d;
      await waitUntilReady(d, `GET /_ping on ${socket}`, () => pingOk(socket), 60_000);
    },
    stop() {
      stopping ??= stop();
      return stopping;
    },
  };
  if (network === undefined) return base;
  // Object.assign keeps base's pid getter (a spread would freeze today's PID).
  const networked: NetworkedDockerd = Object.assign(base, {
    netns: network.netns.name,
    netnsPath: network.netns.path,
    podCidr: network.podCidr,
    bridge: network.bridge,
    networkName: network.networkName,
    cniConfDir,
    ipamDataDir: join(dir, 'cni-ipam'),
    execInNode: network.execInNode,
  });
  return networked;
}
