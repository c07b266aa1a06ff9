// The main job: a node as an operator runs it. Starts, all private and on loopback:
// a registry holding the project's images (built from Debian binaries), a dockerd, the
// Capstan docker-shim (CRI over Docker), and the Capstan node agent with a demo static pod
// (a busybox httpd web page with a readiness probe). Prints the pod's status, the URL that
// answers and kubectl commands to try; Ctrl-C stops everything and leaves nothing behind.
// `--once`: exit after showing the result (for tests and CI).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectCriClient } from '@capstan/cri-api';
import { buildTestImages, startDockerd, startRegistry } from '@capstan/testenv';

const once = process.argv.includes('--once');
const root = join(import.meta.dirname, '..', '..', '..');
const tty = process.stdout.isTTY;
let step = 0;
const TOTAL = 6;
const say = (msg: string) => process.stdout.write(`[demo] ${msg}\n`);
const progress = (msg: string) => say(`(${++step}/${TOTAL}) ${msg}`);

const work = mkdtempSync(join(tmpdir(), 'capstan-node-'));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning = false;

async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  say('stopping: node agent, pods, docker-shim, dockerd, registry');
  for (const fn of cleanups.reverse())
    await fn().catch((err) => say(`cleanup: ${(err as Error).message}`));
  rmSync(work, { recursive: true, force: true });
  say('stopped; nothing left behind');
}

function child(name: string, args: string[], cwd: string): ChildProcess {
  const log = join(work, `${name}.log`);
  const p = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  p.once('exit', (code, signal) => {
    writeFileSync(log, out);
    if (!cleaning) say(`${name} exited (${code ?? signal}); its log: ${log}`);
  });
  children.push(p);
  cleanups.push(async () => {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  });
  return p;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function get(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let dots = 0;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v) {
      if (tty && dots) process.stdout.write('\n');
      return v as T;
    }
    if (tty) process.stdout.write(dots++ === 0 ? `[demo]     waiting for ${what} .` : '.');
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(0)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(0)));

try {
  progress('starting a private image registry and pushing the demo images');
  const registry = await startRegistry();
  cleanups.push(() => registry.stop());
  const images = await buildTestImages(registry.host);
  say(`    registry ${registry.host}: ${images.pause.ref}, ${images.httpd.ref}`);

  progress('starting a private dockerd');
  const dockerd = await startDockerd();
  cleanups.push(() => dockerd.stop());

  progress('starting the Capstan docker-shim (CRI over the Docker Engine)');
  const shimSock = join(work, 'docker-shim.sock');
  child(
    'docker-shim',
    [
      'src/main.ts',
      '--listen',
      `unix://${shimSock}`,
      '--docker-endpoint',
      `unix://${dockerd.socket}`,
      '--state-dir',
      join(work, 'shim-state'),
      '--pod-infra-container-image',
      images.pause.ref,
      '--cni-conf-dir',
      join(work, 'cni-none'),
      '--log-level',
      'warn',
    ],
    join(root, 'apps/docker-shim'),
  );
  const cri = await until('the docker-shim socket', () =>
    connectCriClient(`unix://${shimSock}`, { timeoutMs: 1000 }),
  );
  const v = await cri.runtime.version({ version: 'v1' });
  say(`    runtime: ${v.runtimeName} ${v.runtimeVersion} (CRI ${v.runtimeApiVersion})`);
  // Runs after the pods are gone (cleanups run in reverse order).
  cleanups.push(async () => {
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      try {
        execFileSync(
          'find',
          [
            `/sys/fs/cgroup/${ctrl}/capstan-demo-${process.pid}`,
            '-depth',
            '-type',
            'd',
            '-exec',
            'rmdir',
            '{}',
            ';',
          ],
          { stdio: 'ignore' },
        );
      } catch {}
    }
  });

  cleanups.push(async () => {
    // Pods the agent leaves running are removed with the runtime.
    const { items } = await cri.runtime.listPodSandbox({});
    for (const s of items) {
      await cri.runtime.stopPodSandbox({ podSandboxId: s.id });
      await cri.runtime.removePodSandbox({ podSandboxId: s.id });
    }
    cri.close();
  });

  progress('starting the Capstan node agent with a demo static pod');
  const port = await freePort();
  const manifests = join(work, 'manifests');
  mkdirSync(manifests);
  writeFileSync(
    join(manifests, 'web.yaml'),
    `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  hostNetwork: true
  containers:
  - name: httpd
    image: ${images.httpd.ref}
    command: [httpd, -f, -p, "127.0.0.1:${port}", -h, /www]
    readinessProbe:
      httpGet: { host: 127.0.0.1, port: ${port}, path: / }
      periodSeconds: 1
`,
  );
  const statusSock = join(work, 'agent-status.sock');
  const kubeconfig = join(work, 'kubeconfig');
  const nodeName = 'capstan-demo';
  writeFileSync(
    join(work, 'agent.yaml'),
    [
      'kind: KubeletConfiguration',
      `nodeName: ${nodeName}`,
      `containerRuntimeEndpoint: unix://${shimSock}`,
      `staticPodPath: ${manifests}`,
      `rootDir: ${join(work, 'agent')}`,
      `podLogsDir: ${join(work, 'pod-logs')}`,
      `cgroupRoot: capstan-demo-${process.pid}`,
      'healthzPort: 0',
      `statusSocket: ${statusSock}`,
      'podApi:',
      '  enabled: true',
      `  socket: ${join(work, 'pod-api.sock')}`,
      `  kubeconfig: ${kubeconfig}`,
    ].join('\n'),
  );
  child(
    'node-agent',
    ['src/main.ts', '--config', join(work, 'agent.yaml')],
    join(root, 'apps/node-agent'),
  );
  progress('waiting for the pod to be Running and Ready');
  type PodList = {
    items: {
      metadata: { name: string };
      status?: {
        phase?: string;
        podIP?: string;
        conditions?: { type: string; status: string }[];
        containerStatuses?: {
          name: string;
          ready: boolean;
          restartCount: number;
          imageID: string;
        }[];
      };
    }[];
  };
  const pod = await until('pod web to be Ready', async () => {
    const list = JSON.parse(await get(statusSock, '/pods')) as PodList;
    const p = list.items.find((x) => x.metadata.name === `web-${nodeName}`);
    return p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
  });
  const url = `http://127.0.0.1:${port}/`;
  const page = await (await fetch(url)).text();

  progress('done');
  say('');
  say(`pod ${pod.metadata.name}: ${pod.status?.phase}, Ready, IP ${pod.status?.podIP}`);
  for (const c of pod.status?.containerStatuses ?? []) {
    say(`  container ${c.name}: ready=${c.ready} restarts=${c.restartCount} image=${c.imageID}`);
  }
  say(`it answers at ${url} -> ${JSON.stringify(page.trim())}`);
  say('');
  try {
    const table = execFileSync(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'get', 'pods', '-o', 'wide'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    say(`kubectl --kubeconfig ${kubeconfig} get pods -o wide:`);
    for (const line of table.trimEnd().split('\n')) say(`  ${line}`);
  } catch (err) {
    say(`(kubectl could not be run here: ${(err as Error).message.split('\n')[0]})`);
  }
  say('');
  say('try (in another shell):');
  say(`  kubectl --kubeconfig ${kubeconfig} get pods -o wide`);
  say(`  kubectl --kubeconfig ${kubeconfig} logs ${pod.metadata.name}`);
  say(`  curl ${url}`);
  say('');
  if (once) {
    await cleanup();
    process.exit(0);
  }
  say('running; press Ctrl-C to stop everything');
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await cleanup();
  process.exit(1);
}
