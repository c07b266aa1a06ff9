// The node agent (apps/node-agent, from source) as a child process inside the runtime's
// node netns (as on a node: the runtime's streaming server is on that loopback), its pod
// API on, the TCP listener exposed on this netns' loopback: the minimal bits of
// apps/node-agent/test/helpers/agent-process.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exposeNetnsPort } from '@capstan/testenv';

const APP = fileURLToPath(new URL('../../../apps/node-agent/', import.meta.url));

export interface PodApiAgent {
  pid: number;
  /** The TCP listener, its token and CA (a PEM file), from the kubeconfig the agent wrote. */
  url: string;
  token: string;
  caFile: string;
  socket: string;
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
  // nsenter execs node in place: the PID is the agent's.
  const args = [
    '--conditions=source',
    '--import',
    'tsx',
    join(APP, 'src/main.ts'),
    '--config',
    configFile,
  ];
  const child: ChildProcess = spawn(
    'nsenter',
    [`--net=${opts.netnsPath}`, '--', process.execPath, ...args],
    {
      cwd: APP,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let exposed: { close(): Promise<void> } | undefined;
  const stop = async () => {
    await exposed?.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const end = Date.now() + 90_000;
  while (!existsSync(kubeconfig) || !existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`the agent did not write ${kubeconfig}:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const kc = JSON.parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const caFile = join(opts.dir, 'ca.pem');
  writeFileSync(
    caFile,
    Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64'),
  );
  const url = kc.clusters[0]!.cluster.server;
  exposed = await exposeNetnsPort({
    port: Number(new URL(url).port),
    netns: opts.netns,
    netnsPath: opts.netnsPath,
    dir: opts.dir,
  });
  return {
    pid: child.pid!,
    url,
    token: kc.users[0]!.user.token,
    caFile,
    socket,
    output: () => out,
    stop,
  };
}
