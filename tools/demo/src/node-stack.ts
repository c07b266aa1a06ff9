// The node the main job runs: a private registry with the project's images, and a "node"
// network namespace holding dockerd, the Capstan docker-shim and the Capstan node agent,
// with a bridge pod network (bridge + host-local + loopback + portmap + bandwidth, Debian's
// CNI plugins) over a pod CIDR of its own. Nothing on the host changes: the bridge, veths,
// pod IPs and portmap's iptables rules all live in that namespace, which goes away on stop.
// The agent's pod API (https, bearer token) answers on the host's loopback through a relay,
// so kubectl on the host drives the node.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDefaultPodNetwork } from '@capstan/cni-net';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import {
  buildTestImages,
  exposeNetnsPort,
  type NetworkedDockerd,
  removeCgroupTree,
  spawnNodeAgent,
  startDockerd,
  startDockerShim,
  startRegistry,
  type TestImages,
} from '@capstan/testenv';
import { until } from './demo-util.js';

export const NODE_NAME = 'capstan-demo';
/** Pod IPs, inside the node namespace only. */
export const POD_CIDR = '10.88.0.0/24';

export interface DemoNode {
  images: TestImages;
  registryHost: string;
  dockerd: NetworkedDockerd;
  cri: CriClient;
  runtime: string;
  kubeconfig: string;
  /** The agent's status socket (its pods as JSON). */
  statusSocket: string;
  manifests: string;
  /** Where each component writes its log, from its first line. */
  logs: { agent: string; shim: string; dockerd: string };
  /** Stops everything in reverse order and removes what it made; never throws. */
  stop(report: (msg: string) => void): Promise<void>;
}

export interface DemoNodeOptions {
  work: string;
  logLevel: string;
  /** Free TCP port for the pod API (the same on the host and in the node namespace). */
  apiPort: number;
  progress(msg: string): void;
  report(msg: string): void;
}

export async function startDemoNode(o: DemoNodeOptions): Promise<DemoNode> {
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stop = async (report: (msg: string) => void) => {
    stopping = true;
    for (const fn of cleanups.reverse()) {
      await fn().catch((err: unknown) => report(`cleanup: ${(err as Error).message}`));
    }
    cleanups.length = 0;
  };
  const logsDir = join(o.work, 'logs');
  mkdirSync(logsDir, { recursive: true });
  try {
    o.progress('starting a private image registry and pushing the demo images');
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const images = await buildTestImages(registry.host);
    o.report(`    registry ${registry.host}: ${images.pause.ref}, ${images.httpd.ref}`);

    o.progress(`creating the node network namespace with pod network ${POD_CIDR}, and dockerd`);
    const dockerd = await startDockerd({
      dir: join(o.work, 'dockerd'),
      network: { podCidr: POD_CIDR, registryHost: registry.host },
    });
    cleanups.push(() => dockerd.stop());
    // The full default pod network of a node (cni-net's), over testenv's bridge and IPAM dir.
    await writeDefaultPodNetwork(
      dockerd.cniConfDir,
      {
        podCidr: POD_CIDR,
        name: dockerd.networkName,
        bridge: dockerd.bridge,
        dataDir: dockerd.ipamDataDir,
        // Nothing leaves the node namespace: no masquerade rules.
        ipMasq: false,
      },
      '10-capstan.conflist',
    );
    o.report(
      `    node netns ${dockerd.netns}, bridge ${dockerd.bridge}, CNI ${dockerd.cniConfDir}`,
    );

    o.progress('starting the Capstan docker-shim (CRI over the Docker Engine) in the node');
    const logs = {
      agent: join(logsDir, 'node-agent.log'),
      shim: join(logsDir, 'docker-shim.log'),
      dockerd: join(dockerd.dir, 'dockerd.log'),
    };
    const shim = await startDockerShim({
      dockerd,
      podInfraImage: images.pause.ref,
      dir: join(o.work, 'docker-shim'),
      inNodeNetns: true,
      args: [`--log-file=${logs.shim}`, `--log-level=${o.logLevel}`],
    });
    cleanups.push(() => shim.stop());
    const cri = await until('the docker-shim socket', () =>
      connectCriClient(shim.address, { timeoutMs: 1000 }),
    );
    const v = await cri.runtime.version({ version: 'v1' });
    const runtime = `${v.runtimeName} ${v.runtimeVersion} (CRI ${v.runtimeApiVersion})`;
    // After the agent stops (cleanups run in reverse): the pods go with the runtime, then
    // the pod cgroups.
    cleanups.push(async () => removeCgroupTree(`/capstan-demo-${process.pid}`));
    cleanups.push(async () => {
      const { items } = await cri.runtime.listPodSandbox({});
      for (const s of items) {
        await cri.runtime.stopPodSandbox({ podSandboxId: s.id });
        await cri.runtime.removePodSandbox({ podSandboxId: s.id });
      }
      cri.close();
    });

    o.progress('starting the Capstan node agent in the node, with its pod API');
    const manifests = join(o.work, 'manifests');
    mkdirSync(manifests, { recursive: true });
    const statusSocket = join(o.work, 'agent-status.sock');
    const kubeconfig = join(o.work, 'kubeconfig');
    const config = join(o.work, 'agent.yaml');
    writeFileSync(
      config,
      [
        'kind: KubeletConfiguration',
        `nodeName: ${NODE_NAME}`,
        `containerRuntimeEndpoint: ${shim.address}`,
        `staticPodPath: ${manifests}`,
        `rootDir: ${join(o.work, 'agent')}`,
        `podLogsDir: ${join(o.work, 'pod-logs')}`,
        `cgroupRoot: capstan-demo-${process.pid}`,
        'healthzPort: 0',
        `statusSocket: ${statusSocket}`,
        'podApi:',
        '  enabled: true',
        `  socket: ${join(o.work, 'pod-api.sock')}`,
        `  port: ${o.apiPort}`,
        `  kubeconfig: ${kubeconfig}`,
        // kubectl top has numbers 2 samples (10 s) after a pod starts.
        '  metricsPeriodMs: 5000',
        '',
      ].join('\n'),
    );
    const agent = spawnNodeAgent({
      netnsPath: dockerd.netnsPath,
      args: ['--config', config, '--log-file', logs.agent, '--log-level', o.logLevel],
      outputFile: join(logsDir, 'node-agent.stderr'),
    });
    cleanups.push(async () => {
      if (agent.exitCode === null && agent.signalCode === null) {
        agent.kill('SIGTERM');
        await new Promise((r) => agent.once('exit', r));
      }
    });
    agent.once('exit', (code, signal) => {
      if (!stopping) o.report(`node agent exited (${code ?? signal}); see ${logs.agent}`);
    });
    // Connections wait in the relay's listen queue until the agent listens.
    const api = await exposeNetnsPort({
      port: o.apiPort,
      netns: dockerd.netns,
      netnsPath: dockerd.netnsPath,
      dir: o.work,
    });
    cleanups.push(() => api.close());
    return {
      images,
      registryHost: registry.host,
      dockerd,
      cri,
      runtime,
      kubeconfig,
      statusSocket,
      manifests,
      logs,
      stop,
    };
  } catch (err) {
    await stop(o.report);
    throw err;
  }
}
