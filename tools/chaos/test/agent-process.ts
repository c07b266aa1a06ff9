// The node agent (apps/node-agent, from source) as a child process inside the runtime's
// node netns (as on a node: the runtime's streaming server is on that loopback), its pod
// API on, the TCP listener exposed on this netns' loopback.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exposeNetnsPort,
  inspectorUrlFrom,
  nodeRetainedMemory,
  spawnNodeAgent,
  writeHeapSnapshot,
} from '@capstan/testenv';
import { readAgentKubeconfig } from '../src/agent-kubeconfig.js';

export interface PodApiAgent {
  pid: number;
  /** The TCP listener, its token and CA (a PEM file), from the kubeconfig the agent wrote. */
  url: string;
  token: string;
  caFile: string;
  socket: string;
  /** What the agent retains after a full GC (KiB), through its inspector. */
  retainedKiB(): Promise<number>;
  /** Writes a heap snapshot of the agent to `file` (a leak hunt). */
  heapSnapshot(file: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPodApiAgent(opts: {
  dir: string;
  nodeName: string;
  runtimeEndpoint: string;
  netns: string;
  netnsPath: string;
}): Promise<PodApiAgent> {
  const configFile = join(opts.dir, 'config.yaml');
  const kubeconfig = join(opts.dir, 'kubeconfig');
  const socket = join(opts.dir, 'pod-api.sock');
  mkdirSync(join(opts.dir, 'manifests'), { recursive: true });
  writeFileSync(
    configFile,
    [
      'kind: KubeletConfiguration',
      `nodeName: ${opts.nodeName}`,
      `containerRuntimeEndpoint: ${opts.runtimeEndpoint}`,
      `staticPodPath: ${join(opts.dir, 'manifests')}`,
      `rootDir: ${join(opts.dir, 'root')}`,
      `podLogsDir: ${join(opts.dir, 'logs')}`,
      "cgroupRoot: ''",
      'healthzPort: 0',
      `statusSocket: ${join(opts.dir, 'status.sock')}`,
      'relistPeriodMs: 500',
      'podApi:',
      '  enabled: true',
      `  socket: ${socket}`,
      '  port: 0',
      `  kubeconfig: ${kubeconfig}`,
    ].join('\n'),
  );
  const logFile = join(opts.dir, 'agent.log');
  const child: ChildProcess = spawnNodeAgent({
    netnsPath: opts.netnsPath,
    args: ['--config', configFile],
    outputFile: logFile,
    inspect: true,
  });
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const exposed: { close(): Promise<void> }[] = [];
  const stop = async () => {
    for (const e of exposed) await e.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const end = Date.now() + 90_000;
  while (!existsSync(kubeconfig) || !existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`the agent did not write ${kubeconfig}:\n${output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const { url, token, caFile } = readAgentKubeconfig(kubeconfig, join(opts.dir, 'ca.pem'));
  const expose = async (port: number) => {
    exposed.push(
      await exposeNetnsPort({ port, netns: opts.netns, netnsPath: opts.netnsPath, dir: opts.dir }),
    );
  };
  await expose(Number(new URL(url).port));
  const inspector = inspectorUrlFrom(logFile);
  if (!inspector) {
    await stop();
    throw new Error(`the agent wrote no inspector URL:\n${output().slice(-3000)}`);
  }
  await expose(Number(new URL(inspector).port));
  return {
    pid: child.pid!,
    url,
    token,
    caFile,
    socket,
    retainedKiB: async () => (await nodeRetainedMemory(inspector)).totalKiB,
    heapSnapshot: (file) => writeHeapSnapshot(inspector, file),
    output,
    stop,
  };
}
