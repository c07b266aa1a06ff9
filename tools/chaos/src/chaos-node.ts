// The node under fault: a runtime stack (containerd, or dockerd + the Capstan docker-shim)
// serving in a node netns with a bridge pod network, and the Capstan node agent in the
// same netns with static pods. Every component can be SIGKILLed and started again. The
// agent's root and pod log dirs and the runtime's state (the shim's checkpoints, containerd's
// root) live on one small tmpfs that the campaign can fill up.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import {
  buildTestImages,
  type ExecResult,
  mountSmallDisk,
  removeCgroupTree,
  type SmallDisk,
  spawnNodeAgent,
  startDockerd,
  startDockerShim,
  startNetworkedContainerd,
  startRegistry,
  type TestImages,
  unixRequest,
} from '@capstan/testenv';

export type RuntimeName = 'docker' | 'containerd';

/** A process of the node that the campaign kills. */
export interface Component {
  name: string;
  pid(): number;
  /** SIGKILL, then wait until it is gone. */
  kill(): Promise<void>;
  /** Start it again; resolves once it serves. */
  restart(): Promise<void>;
  /** A Node process's inspector URL, on the node netns' loopback (what it retains). */
  inspectorUrl?(): string | undefined;
}

export interface ChaosNode {
  runtime: RuntimeName;
  nodeName: string;
  /** The runtime's CRI endpoint. */
  address: string;
  cri: CriClient;
  images: TestImages;
  netns: string;
  netnsPath: string;
  podCidr: string;
  manifests: string;
  /** Dirs the audit reads: the agent's, the runtime's state, host-local's IP store. */
  dirs: {
    agentRoot: string;
    podLogs: string;
    runtime: string;
    /** containerd's root (on the small disk). */
    runtimeRoot?: string;
    shimState?: string;
    ipam: string;
  };
  /** The small disk that holds the agent's root, the pod logs and the runtime's state. */
  disk: SmallDisk;
  cgroupRoot: string;
  /** The agent's pod API: its unix socket and the kubeconfig it writes (URL, token, CA) at every start. */
  podApi: { socket: string; kubeconfig: string };
  components: Component[];
  /** GET a path of the agent's status socket, JSON-decoded. */
  agentGet<T>(path: string): Promise<T>;
  execInNode(argv: readonly string[]): Promise<ExecResult>;
  stop(): Promise<void>;
}

export async function startChaosNode(opts: {
  runtime: RuntimeName;
  dir: string;
  podCidr: string;
  /** Size of the small disk; default 128 MiB (the test images fit several times). */
  diskMiB?: number;
}): Promise<ChaosNode> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const disk = await mountSmallDisk(join(opts.dir, 'disk'), { sizeMiB: opts.diskMiB ?? 128 });
    cleanups.push(() => disk.unmount());
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const images = await buildTestImages(registry.host);
    let address: string;
    let netns: string;
    let netnsPath: string;
    let execInNode: ChaosNode['execInNode'];
    let runtimeDir: string;
    let ipam: string;
    let shimState: string | undefined;
    let runtimeRoot: string | undefined;
    const components: Component[] = [];
    if (opts.runtime === 'containerd') {
      const c = await startNetworkedContainerd({
        dir: join(opts.dir, 'containerd'),
        rootDir: join(disk.path, 'containerd-root'),
        podCidr: opts.podCidr,
        registryHost: registry.host,
        sandboxImage: images.pause.ref,
      });
      cleanups.push(() => c.stop());
      address = c.address;
      ({ netns, netnsPath, execInNode } = c);
      runtimeDir = c.dir;
      runtimeRoot = join(disk.path, 'containerd-root');
      ipam = join(c.dir, 'cni-ipam');
      components.push({
        name: 'containerd',
        pid: () => c.pid,
        kill: () => c.kill(),
        restart: () => c.restart(),
      });
    } else {
      const d = await startDockerd({
        dir: join(opts.dir, 'dockerd'),
        network: { podCidr: opts.podCidr, registryHost: registry.host },
      });
      cleanups.push(() => d.stop());
      const shim = await startDockerShim({
        dockerd: d,
        podInfraImage: images.pause.ref,
        dir: join(opts.dir, 'shim'),
        stateDir: join(disk.path, 'shim-state'),
        inNodeNetns: true,
        args: ['--log-level=info'],
        inspect: true,
      });
      cleanups.push(() => shim.stop());
      address = shim.address;
      ({ netns, netnsPath, execInNode } = d);
      runtimeDir = d.dir;
      ipam = d.ipamDataDir;
      shimState = shim.stateDir;
      components.push({
        name: 'docker-shim',
        pid: () => shim.pid,
        kill: () => shim.kill(),
        restart: () => shim.restart(),
        inspectorUrl: () => shim.inspectorUrl(),
      });
      components.push({
        name: 'dockerd',
        pid: () => d.pid,
        kill: () => d.kill(),
        restart: () => d.restart(),
      });
    }
    const cri = await connectCriClient(address, { timeoutMs: 10_000 });
    // Last of all (cleanups run in reverse): the pod cgroups the agent made.
    cleanups.unshift(async () => removeCgroupTree(`/capstan-chaos-${process.pid}`));
    cleanups.push(async () => cri.close());

    const nodeName = `chaos-${process.pid}`;
    const cgroupRoot = `capstan-chaos-${process.pid}`;
    const manifests = join(opts.dir, 'manifests');
    const statusSocket = join(opts.dir, 'agent-status.sock');
    const agentRoot = join(disk.path, 'agent');
    const podLogs = join(disk.path, 'pod-logs');
    const podApi = {
      socket: join(opts.dir, 'pod-api.sock'),
      kubeconfig: join(opts.dir, 'kubeconfig'),
    };
    mkdirSync(manifests, { recursive: true });
    const config = join(opts.dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        'kind: KubeletConfiguration',
        `nodeName: ${nodeName}`,
        `containerRuntimeEndpoint: ${address}`,
        `staticPodPath: ${manifests}`,
        `rootDir: ${agentRoot}`,
        `podLogsDir: ${podLogs}`,
        `cgroupRoot: ${cgroupRoot}`,
        'healthzPort: 0',
        `statusSocket: ${statusSocket}`,
        'relistPeriodMs: 500',
        'housekeepingPeriodMs: 1000',
        // No eviction here: a loaded test machine must not evict the churned pods.
        "evictionHard: ''",
        'podApi:',
        '  enabled: true',
        `  socket: ${podApi.socket}`,
        '  port: 0',
        `  kubeconfig: ${podApi.kubeconfig}`,
        '',
      ].join('\n'),
    );
    const agentLog = join(opts.dir, 'agent.log');
    let agent: ChildProcess = spawnNodeAgent({
      netnsPath,
      args: ['--config', config],
      outputFile: agentLog,
    });
    const agentGone = () =>
      agent.exitCode !== null || agent.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((r) => agent.once('exit', () => r()));
    const agentGet = async <T>(path: string): Promise<T> => {
      const res = await unixRequest(statusSocket, { path, timeoutMs: 5000 });
      return JSON.parse(res.body.toString()) as T;
    };
    const agentServes = async () => {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        if (
          await agentGet('/pods').then(
            () => true,
            () => false,
          )
        )
          return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the agent did not serve its status socket; its log:\n${tail(agentLog)}`);
    };
    cleanups.push(async () => {
      agent.kill('SIGTERM');
      await agentGone();
    });
    await agentServes();
    components.unshift({
      name: 'node-agent',
      pid: () => agent.pid ?? 0,
      async kill() {
        agent.kill('SIGKILL');
        await agentGone();
      },
      async restart() {
        agent = spawnNodeAgent({ netnsPath, args: ['--config', config], outputFile: agentLog });
        await agentServes();
      },
    });
    // After the agent stops: every pod it left goes with the runtime's sandboxes.
    cleanups.splice(cleanups.length - 1, 0, async () => {
      const { items } = await cri.runtime.listPodSandbox({});
      for (const s of items) {
        await cri.runtime.stopPodSandbox({ podSandboxId: s.id }).catch(() => {});
        await cri.runtime.removePodSandbox({ podSandboxId: s.id }).catch(() => {});
      }
    });
    return {
      runtime: opts.runtime,
      nodeName,
      address,
      cri,
      images,
      netns,
      netnsPath,
      podCidr: opts.podCidr,
      manifests,
      dirs: {
        agentRoot,
        podLogs,
        runtime: runtimeDir,
        ipam,
        ...(shimState ? { shimState } : {}),
        ...(runtimeRoot ? { runtimeRoot } : {}),
      },
      disk,
      cgroupRoot,
      podApi,
      components,
      agentGet,
      execInNode,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
