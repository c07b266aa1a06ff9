import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DaemonExit,
  type DaemonProcess,
  daemonEnv,
  spawnDaemon,
  waitUntilReady,
} from './daemon-process.js';
import type { NetworkedDockerd } from './dockerd-start.js';
import { privateDir } from './fs-private-dir.js';
import { socketAccepts } from './http-unix.js';
import { type Log, noLog } from './log.js';
import { INSPECT_FLAG, inspectorUrlFrom } from './node-inspector.js';

const APP = fileURLToPath(new URL('../../../apps/docker-shim/', import.meta.url));

/** A capstan-docker-shim child process over a networked private dockerd. */
export interface DockerShim {
  /** `unix://<socket>`: the CRI endpoint. */
  address: string;
  socket: string;
  /** The shim's --state-dir. */
  stateDir: string;
  dir: string;
  /** PID of the current shim process. */
  readonly pid: number;
  logFile: string;
  /**
   * The inspector URL of the current shim process (with `inspect: true`; reachable from
   * the shim's netns), for nodeRetainedMemory.
   */
  inspectorUrl(): string | undefined;
  /** SIGKILLs the shim (no drain, no cleanup) and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts the shim again on the same state dir and socket; resolves once it serves. */
  restart(): Promise<void>;
  /**
   * SIGTERM (the shim drains and exits), then removes the dir; resolves with how the
   * process ended. The Docker containers are left to the dockerd's stop().
   */
  stop(): Promise<DaemonExit>;
}

export interface StartDockerShimOptions {
  dockerd: NetworkedDockerd;
  /** --pod-infra-container-image */
  podInfraImage: string;
  dir?: string;
  /** --state-dir somewhere else than `<dir>/state` (e.g. on a small disk a test fills). */
  stateDir?: string;
  /** More flags (e.g. `--stats-period 1s`). */
  args?: readonly string[];
  /**
   * Run the shim inside the dockerd's node netns, as on a node where everything shares the
   * host's network: its streaming server then listens on the node's loopback, where a node
   * agent in that netns reaches it. Default: the test's own netns.
   */
  inNodeNetns?: boolean;
  /**
   * A cgroup dir the shim joins before it execs (on every start), e.g. the one its
   * dockerd runs in, so one `cgroup.procs` lists the whole stack. Caller-owned.
   */
  cgroup?: string;
  /**
   * Run the built `dist/main.js` (what an operator runs) instead of `src/main.ts` through
   * tsx; the build must exist. Default false (tests run every package from source).
   */
  fromDist?: boolean;
  /**
   * Open node's inspector on a free loopback port (`--inspect=127.0.0.1:0`), so a test can
   * force a GC and read what the shim retains (nodeRetainedMemory). Default false.
   */
  inspect?: boolean;
  log?: Log;
}

/**
 * Starts `apps/docker-shim/src/main.ts` (from source, through tsx, as the test suites run
 * every package) as a child process: CRI on `<dir>/shim.sock`, state in `<dir>/state`,
 * Docker at the dockerd's socket, the dockerd's CNI conflist with the plugins run in its
 * node netns (`--cni-netns`). Resolves once the socket accepts connections, which the shim
 * only does after recovering its state.
 */
export async function startDockerShim(opts: StartDockerShimOptions): Promise<DockerShim> {
  const log = opts.log ?? noLog;
  const dir = privateDir('docker-shim', opts.dir);
  const socket = join(dir, 'shim.sock');
  const stateDir = opts.stateDir ?? join(dir, 'state');
  const logFile = join(dir, 'shim.log');
  const entry = opts.fromDist
    ? [join(APP, 'dist/main.js')]
    : ['--conditions=source', '--import', 'tsx', join(APP, 'src/main.ts')];
  if (opts.fromDist && !existsSync(entry[0]!)) {
    throw new Error(`startDockerShim: ${entry[0]} is missing (build apps/docker-shim first)`);
  }
  const args = [
    ...(opts.inspect ? [INSPECT_FLAG] : []),
    ...entry,
    `--listen=unix://${socket}`,
    `--docker-endpoint=unix://${opts.dockerd.socket}`,
    `--state-dir=${stateDir}`,
    `--cni-conf-dir=${opts.dockerd.cniConfDir}`,
    '--cni-bin-dir=/usr/lib/cni',
    `--cni-netns=${opts.dockerd.netnsPath}`,
    `--pod-infra-container-image=${opts.podInfraImage}`,
    '--log-level=debug',
    ...(opts.args ?? []),
  ];
  const env = daemonEnv();
  delete env.NODE_OPTIONS;
  let child: DaemonProcess;
  const launch = async () => {
    child = spawnDaemon({
      name: 'docker-shim',
      // nsenter execs node in place: the PID stays the shim's.
      command: opts.inNodeNetns ? 'nsenter' : process.execPath,
      args: opts.inNodeNetns
        ? [`--net=${opts.dockerd.netnsPath}`, '--', process.execPath, ...args]
        : args,
      logFile,
      cwd: APP,
      env,
      ...(opts.cgroup !== undefined ? { cgroup: opts.cgroup } : {}),
    });
    await waitUntilReady(child, `a connection on ${socket}`, () => socketAccepts(socket), 60_000);
    log(`docker shim serving on ${socket} (pid ${child.pid})`);
  };
  await launch();
  let stopping: Promise<DaemonExit> | undefined;
  return {
    address: `unix://${socket}`,
    socket,
    stateDir,
    dir,
    get pid() {
      return child.pid;
    },
    logFile,
    inspectorUrl: () => (opts.inspect ? inspectorUrlFrom(logFile) : undefined),
    async kill() {
      process.kill(child.pid, 'SIGKILL');
      await child.exited;
    },
    restart: launch,
    stop() {
      stopping ??= (async () => {
        const exit = await child.terminate(15_000);
        rmSync(dir, { recursive: true, force: true });
        return exit;
      })();
      return stopping;
    },
  };
}
