import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPty } from '../src/index.js';
import { type KubeApiHarness, startKubeApiHarness } from './support/kube-api-harness.js';
import { ended, startEchoServer, startToy, type Toy } from './support/toy.js';

// The real clients: kubectl 1.27 (SPDY only) and 1.33 (WebSocket first: v5.channel.k8s.io
// for exec/attach, the SPDY-over-WebSocket tunnel for port-forward) talk to a minimal
// Kubernetes API that hands pods/exec, pods/attach and pods/portforward to the server.

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const kubectlPath = (v: string) => join(KUBECTL_DIR, `kubectl.${v}`);

let toy: Toy;
let api: KubeApiHarness;
let echo: { port: number; server: Server };
const home = mkdtempSync(join(tmpdir(), 'streaming-kubectl-'));

beforeAll(async () => {
  toy = await startToy();
  toy.runtime.addContainer('reader').addContainer('shell');
  echo = await startEchoServer();
  api = await startKubeApiHarness({
    streaming: toy.server,
    dir: home,
    podSandboxId: 'p1',
    containers: [
      { name: 'main', containerId: 'c1' },
      { name: 'reader', containerId: 'reader', stdin: true },
      { name: 'shell', containerId: 'shell', stdin: true, tty: true },
    ],
  });
});
afterAll(async () => {
  await api.close();
  await toy.close();
  echo.server.close();
  rmSync(home, { recursive: true, force: true });
});

function kubectl(
  version: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      kubectlPath(version),
      ['--kubeconfig', api.kubeconfig, ...args],
      { env: { ...process.env, HOME: home, ...opts.env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** kubectl on a terminal (node-pty), as a person runs `-it`. */
function kubectlOnTty(version: string, args: string[], env: Record<string, string> = {}) {
  const pty = spawnPty(kubectlPath(version), ['--kubeconfig', api.kubeconfig, ...args], {
    size: { width: 90, height: 30 },
    env: { ...(process.env as Record<string, string>), HOME: home, ...env },
  });
  let out = '';
  pty.onData((d) => {
    out += d.toString();
  });
  const waitFor = async (re: RegExp, ms = 20_000) => {
    for (let t = 0; t < ms && !re.test(out); t += 25) await new Promise((r) => setTimeout(r, 25));
    if (!re.test(out))
      throw new Error(`kubectl never printed ${re}; got ${JSON.stringify(out.slice(-400))}`);
  };
  return { pty, waitFor, output: () => out };
}

const lastSession = (kind: string) =>
  ended(toy)
    .filter((e) => e.kind === kind)
    .at(-1);

const VERSIONS = [
  {
    version: '1.27',
    remote: { transport: 'spdy', protocol: 'v4.channel.k8s.io' },
    forward: 'spdy',
  },
  {
    version: '1.33',
    remote: { transport: 'websocket', protocol: 'v5.channel.k8s.io' },
    forward: 'spdy-over-websocket',
  },
];

for (const { version, remote, forward } of VERSIONS) {
  describe.skipIf(!existsSync(kubectlPath(version)))(`kubectl ${version}`, () => {
    it('exec -i: stdin, stdout, stderr and the exit code', async () => {
      const res = await kubectl(
        version,
        ['exec', '-i', 'toy', '-c', 'main', '--', 'sh', '-c', 'cat; echo to-err >&2; exit 3'],
        {
          input: 'hello from kubectl\n',
        },
      );
      expect(res.stdout).toBe('hello from kubectl\n');
      expect(res.stderr).toContain('to-err');
      expect(res.stderr).toContain('command terminated with exit code 3');
      expect(res.code).toBe(3);
      expect(lastSession('exec')).toMatchObject({ ...remote, exitCode: 3 });
    });

    it('exec -it: a terminal, resized with the window', async () => {
      const k = kubectlOnTty(version, ['exec', '-it', 'toy', '-c', 'main', '--', 'sh']);
      await k.waitFor(/# /);
      k.pty.write('stty size\r');
      await k.waitFor(/30 90/);
      k.pty.resize({ width: 111, height: 44 });
      await new Promise((r) => setTimeout(r, 300));
      k.pty.write('stty size; exit 4\r');
      await k.waitFor(/44 111/);
      expect((await k.pty.exited).exitCode).toBe(4);
      expect(lastSession('exec')).toMatchObject({ ...remote, exitCode: 4 });
    });

    it('attach -i: to a running process without a terminal', async () => {
      toy.runtime.start('reader', ['sh', '-c', 'read l; echo "got $l"']);
      const res = await kubectl(version, ['attach', '-i', 'toy', '-c', 'reader'], {
        input: 'line-1\n',
      });
      expect(res.stdout).toContain('got line-1');
      expect(res.code).toBe(0);
      expect(lastSession('attach')).toMatchObject(remote);
    });

    it('attach -it: to a process on a terminal', async () => {
      toy.runtime.start('shell', ['sh'], { tty: true });
      const k = kubectlOnTty(version, ['attach', '-it', 'toy', '-c', 'shell']);
      await k.waitFor(/If you don't see a command prompt/);
      k.pty.write('echo "hi-$((6*7))"\r');
      await k.waitFor(/hi-42/);
      k.pty.write('exit\r');
      await k.pty.exited;
      expect(lastSession('attach')).toMatchObject(remote);
    });

    it('port-forward: local connections reach the pod port', async () => {
      const child: ChildProcess = spawn(
        kubectlPath(version),
        ['--kubeconfig', api.kubeconfig, 'port-forward', 'pod/toy', `:${echo.port}`],
        { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        const local = await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('exit', () => reject(new Error(`kubectl port-forward exited: ${out}`)));
        });
        for (const text of ['first', 'second']) {
          const sock = connect(local, '127.0.0.1');
          sock.write(text);
          const got = await new Promise<string>((resolve) =>
            sock.once('data', (d: Buffer) => resolve(d.toString())),
          );
          expect(got).toBe(`echo:${text}`);
          sock.end();
        }
      } finally {
        child.kill('SIGTERM');
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(lastSession('portforward')).toMatchObject({
        transport: forward,
        protocol: 'portforward.k8s.io',
      });
    });
  });
}

describe.skipIf(!existsSync(kubectlPath('1.33')))(
  'kubectl 1.33 with WebSockets switched off',
  () => {
    const spdyOnly = {
      KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false',
      KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false',
    };

    it('exec offers v5.channel.k8s.io over SPDY and gets it', async () => {
      const res = await kubectl(
        '1.33',
        ['exec', '-i', 'toy', '-c', 'main', '--', 'sh', '-c', 'cat; exit 2'],
        {
          input: 'spdy v5\n',
          env: spdyOnly,
        },
      );
      expect(res).toMatchObject({ code: 2, stdout: 'spdy v5\n' });
      expect(lastSession('exec')).toMatchObject({
        transport: 'spdy',
        protocol: 'v5.channel.k8s.io',
        exitCode: 2,
      });
    });

    it('exec -it over SPDY v5 resizes the terminal', async () => {
      const k = kubectlOnTty('1.33', ['exec', '-it', 'toy', '-c', 'main', '--', 'sh'], spdyOnly);
      await k.waitFor(/# /);
      k.pty.resize({ width: 101, height: 33 });
      await new Promise((r) => setTimeout(r, 300));
      k.pty.write('stty size; exit\r');
      await k.waitFor(/33 101/);
      expect((await k.pty.exited).exitCode).toBe(0);
      expect(lastSession('exec')).toMatchObject({
        transport: 'spdy',
        protocol: 'v5.channel.k8s.io',
      });
    });
  },
);
