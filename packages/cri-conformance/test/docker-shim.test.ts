import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DockerShim,
  type NetworkedDockerd,
  startDockerd,
  startDockerShim,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { EXPECTED_FAILURES_DOCKER_SHIM } from './expected-failures.js';
import { nodeExec, runSuite } from './harness.js';

// The whole suite against Capstan's docker shim (apps/docker-shim) as a child process, over
// a private dockerd whose containerd and CNI plugins run in a private node netns, like the
// networked containerd. Every failure must be a documented one (apps/docker-shim/README.md).
//
// Streaming: the suite opens the URLs from the node netns (hostExec), where the kubelet of a
// real node would be. The shim itself runs in this process's netns (testenv starts it so,
// with --cni-netns for the plugins), while on a real node shim, dockerd and kubelet share
// one netns and the URL's 127.0.0.1 is the same loopback for all. To model that, the shim's
// streaming port on this loopback is bridged to the same port on the node netns's loopback
// (a forwarder in the node netns -> a unix socket -> this process -> the shim), as testenv
// bridges the registry.

const env = inject('testenv');
let node: ReturnType<typeof nodeExec> | undefined;
/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Pipes both ways; an error or close on one side ends both. */
function splice(a: Socket, b: Socket): void {
  const done = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', done);
    s.on('close', done);
  }
  a.pipe(b);
  b.pipe(a);
}

/** Runs in the node netns: 127.0.0.1:<port> there -> the unix socket. */
const FORWARDER = `
const net = require('node:net');
const [port, sock] = process.argv.slice(1);
net.createServer({ allowHalfOpen: true }, (c) => {
  const u = net.connect({ path: sock, allowHalfOpen: true });
  const done = () => { c.destroy(); u.destroy(); };
  for (const s of [c, u]) { s.on('error', done); s.on('close', done); }
  c.pipe(u); u.pipe(c);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/** Makes 127.0.0.1:<port> of this netns answer on 127.0.0.1:<port> in the node netns. */
async function bridgeLoopbackPort(netnsPath: string, port: number, dir: string) {
  const sock = join(dir, `bridge-${port}.sock`);
  const conns = new Set<Socket>();
  const hostSide: Server = createServer({ allowHalfOpen: true }, (c) => {
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    for (const s of [c, upstream]) {
      conns.add(s);
      s.once('close', () => conns.delete(s));
    }
    splice(c, upstream);
  });
  await new Promise<void>((resolve) => hostSide.listen(sock, resolve));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const forwarder: ChildProcess = spawn(
    'nsenter',
    [`--net=${netnsPath}`, '--', process.execPath, '-e', FORWARDER, String(port), sock],
    { stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  await new Promise<void>((resolve, reject) => {
    forwarder.stdout!.once('data', () => resolve());
    forwarder.once('exit', (code) => reject(new Error(`forwarder exited (${code})`)));
  });
  return async () => {
    forwarder.kill('SIGTERM');
    for (const c of conns) c.destroy();
    await new Promise<void>((resolve) => hostSide.close(() => resolve()));
  };
}

let dockerd: NetworkedDockerd;
let shim: DockerShim;
let unbridge: (() => Promise<void>) | undefined;
const bridgeDir = mkdtempSync(join(tmpdir(), 'conformance-bridge-'));

beforeAll(async () => {
  dockerd = await startDockerd({
    network: { podCidr: '10.245.0.0/24', registryHost: env.registryHost },
  });
  const streamingPort = await freePort();
  shim = await startDockerShim({
    dockerd,
    podInfraImage: env.images.pause.ref,
    args: ['--stats-period=1s', `--streaming-address=127.0.0.1:${streamingPort}`],
  });
  unbridge = await bridgeLoopbackPort(dockerd.netnsPath, streamingPort, bridgeDir);
});
afterAll(async () => {
  await unbridge?.();
  await shim?.stop();
  await dockerd?.stop();
  node?.cleanup();
  rmSync(bridgeDir, { recursive: true, force: true });
});

it('passes every category on the docker shim, except the documented failures', async () => {
  node = nodeExec(dockerd.netns);
  const { report, failed } = await runSuite(env, shim.address, node.hostExec);
  expect(failed).toEqual(Object.keys(EXPECTED_FAILURES_DOCKER_SHIM).sort());
  expect(report.skipped).toBe(0);
});
