import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { CriClient } from '@capstan/cri-api';

const appDir = join(import.meta.dirname, '..', '..');

/** The agent as a child process inside the node's network namespace (as on a real node). */
export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** GET a path of the agent's status socket; JSON-decoded. */
  get<T = unknown>(path: string): Promise<T>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function startAgent(opts: {
  netnsPath: string;
  configFile: string;
  statusSocket: string;
}): AgentProcess {
  const child = spawn(
    'nsenter',
    [
      `--net=${opts.netnsPath}`,
      '--',
      process.execPath,
      '--conditions=source',
      '--import',
      'tsx',
      join(appDir, 'src/main.ts'),
      '--config',
      opts.configFile,
    ],
    { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    get: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ socketPath: opts.statusSocket, path, timeout: 5000 }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => {
            try {
              resolve(JSON.parse(body));
            } catch {
              resolve(body as never);
            }
          });
        });
        req.on('error', reject);
        req.end();
      }),
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * An agent for host-network pods on a runtime in the test's own network namespace: a
 * config file in `dir` (static pods from `<dir>/manifests`, cgroups left to the runtime,
 * status on `<dir>/status.sock`) plus `extra` config lines, and the agent started on it.
 */
export function startHostAgent(opts: {
  dir: string;
  nodeName: string;
  runtimeEndpoint: string;
  extra?: readonly string[];
}): { agent: AgentProcess; manifests: string } {
  const manifests = join(opts.dir, 'manifests');
  const statusSocket = join(opts.dir, 'status.sock');
  const configFile = join(opts.dir, 'config.yaml');
  mkdirSync(manifests, { recursive: true });
  writeFileSync(
    configFile,
    [
      'kind: KubeletConfiguration',
      `nodeName: ${opts.nodeName}`,
      `containerRuntimeEndpoint: ${opts.runtimeEndpoint}`,
      `staticPodPath: ${manifests}`,
      `rootDir: ${join(opts.dir, 'root')}`,
      `podLogsDir: ${join(opts.dir, 'logs')}`,
      "cgroupRoot: ''",
      'healthzPort: 0',
      `statusSocket: ${statusSocket}`,
      'relistPeriodMs: 500',
      ...(opts.extra ?? []),
    ].join('\n'),
  );
  const agent = startAgent({ netnsPath: `/proc/${process.pid}/ns/net`, configFile, statusSocket });
  return { agent, manifests };
}

/** Polls `fn` every 200 ms until it returns something truthy; the error shows the agent's output. */
export async function waitFor<T>(
  agent: AgentProcess,
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v) return v as T;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; agent output:\n${agent.output().slice(-3000)}`);
}

/** Removes every sandbox (and so container) the agent of `nodeName` made in the runtime. */
export async function removeAgentPods(cri: CriClient, nodeName: string): Promise<void> {
  const { items } = await cri.runtime.listPodSandbox({
    filter: { labelSelector: { 'capstan.io/node-agent': nodeName } },
  });
  for (const s of items) {
    await cri.runtime.stopPodSandbox({ podSandboxId: s.id });
    await cri.runtime.removePodSandbox({ podSandboxId: s.id });
  }
}
