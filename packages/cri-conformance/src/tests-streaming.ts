import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type ContainerConfig, ContainerState, type DeepPartial } from '@capstan/cri-api';
import {
  type ClientConnectOptions,
  isUpgradeFailed,
  openPortForward,
  openRemoteCommand,
  type RemoteCommandSession,
  runRemoteCommand,
} from '@capstan/streaming';
import type { ConformanceTest, Pod, TestContext } from './suite-types.js';

// Streaming: each test calls Exec, Attach or PortForward, then opens the URL the runtime
// hands out as kubectl does, over SPDY/3.1 and over WebSocket (@capstan/streaming's client).
// The URL is meant to be reached from the node: when the suite has a hostExec (the node's
// network namespace), connections go through a small relay started there (a unix socket
// in the test's directory, forwarded to the URL's host and port); without one they dial
// the URL directly.

type Transport = 'spdy' | 'websocket';
const TRANSPORTS: Transport[] = ['spdy', 'websocket'];
const TRANSPORT_NAME: Record<Transport, string> = { spdy: 'SPDY', websocket: 'WebSocket' };

/** Relay code run with `node -e` in the node netns: unix socket -> host:port. */
const RELAY = `
const net = require('net'); const fs = require('fs');
const [sock, host, port] = process.argv.slice(1);
try { fs.unlinkSync(sock); } catch {}
net.createServer({ allowHalfOpen: true }, (c) => {
  const u = net.connect({ host, port: Number(port), allowHalfOpen: true });
  const done = () => { c.destroy(); u.destroy(); };
  c.on('error', done); u.on('error', done); c.on('close', done); u.on('close', done);
  c.pipe(u); u.pipe(c);
}).listen(sock);
process.on('SIGTERM', () => process.exit(0));
setTimeout(() => process.exit(0), 600000);
`;

const relays = new WeakMap<TestContext, Map<string, string>>();

/** How to reach `url` from here: directly, or through a relay in the node's netns. */
async function reach(t: TestContext, url: string): Promise<ClientConnectOptions> {
  const hostExec = t.hostExec;
  if (!hostExec) return {};
  const { hostname, port } = new URL(url);
  const key = `${hostname}:${port}`;
  let byTarget = relays.get(t);
  if (!byTarget) {
    byTarget = new Map();
    relays.set(t, byTarget);
  }
  let sock = byTarget.get(key);
  if (!sock) {
    const path = join(t.dir, `relay-${byTarget.size}.sock`);
    const started = await hostExec([
      'sh',
      '-c',
      '"$0" -e "$1" "$2" "$3" "$4" </dev/null >/dev/null 2>&1 & echo $!',
      process.execPath,
      RELAY,
      path,
      hostname.replace(/^\[|\]$/g, ''),
      port || '80',
    ]);
    const pid = started.stdout.trim();
    assert.match(pid, /^\d+$/, `relay did not start in the node netns: ${started.stderr}`);
    t.defer(() => hostExec(['kill', pid]));
    for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(path), 'relay socket did not appear');
    byTarget.set(key, path);
    sock = path;
  }
  const relayPath = sock;
  return { createConnection: () => connect(relayPath) };
}

async function runningContainer(
  t: TestContext,
  pod: Pod,
  name: string,
  overrides: DeepPartial<ContainerConfig>,
) {
  const id = await t.startContainer(pod, t.containerConfig(name, overrides));
  await t.waitStatus(id, (s) => s.state === ContainerState.CONTAINER_RUNNING);
  return id;
}

/** Reads `stream` until `pattern` appears (or fails after `ms`). */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(
        new Error(`did not see ${pattern} in ${ms} ms; got ${JSON.stringify(seen.slice(-300))}`),
      );
    }, ms);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
  });
}

function drain(s: RemoteCommandSession): void {
  s.stderr?.resume();
}

const execTests: ConformanceTest[] = TRANSPORTS.flatMap((transport): ConformanceTest[] => [
  {
    category: 'streaming',
    name: `Exec over ${TRANSPORT_NAME[transport]} returns stdout, stderr and the exit code`,
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'exec', {
        command: ['sleep', '3600'],
      });
      const { url } = await t.runtime.exec({
        containerId: id,
        cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'],
        stdout: true,
        stderr: true,
      });
      const res = await runRemoteCommand(url, { ...(await reach(t, url)), transport });
      assert.equal(res.stdout.toString(), 'to-out\n');
      assert.equal(res.stderr.toString(), 'to-err\n');
      assert.equal(res.exitCode, 3, `exit code (protocol ${res.protocol}): ${res.error}`);
    },
  },
  {
    category: 'streaming',
    name: `Exec over ${TRANSPORT_NAME[transport]} passes stdin to the command`,
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'exec-in', {
        command: ['sleep', '3600'],
      });
      // `head -c` ends by itself: WebSocket before v5 cannot signal the end of stdin.
      const { url } = await t.runtime.exec({
        containerId: id,
        cmd: ['head', '-c', '11'],
        stdin: true,
        stdout: true,
      });
      const res = await runRemoteCommand(url, {
        ...(await reach(t, url)),
        transport,
        stdin: 'hello world',
        stderr: false,
      });
      assert.equal(res.stdout.toString(), 'hello world');
      assert.equal(res.exitCode, 0, res.error);
    },
  },
  {
    category: 'streaming',
    name: `Exec with a TTY over ${TRANSPORT_NAME[transport]} gets a terminal that follows resizes`,
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'exec-tty', {
        command: ['sleep', '3600'],
      });
      const { url } = await t.runtime.exec({
        containerId: id,
        cmd: ['sh'],
        stdin: true,
        stdout: true,
        tty: true,
      });
      const s = await openRemoteCommand(url, {
        ...(await reach(t, url)),
        transport,
        stdin: true,
        tty: true,
        initialSize: { width: 100, height: 40 },
      });
      try {
        s.stdin!.write('[ -t 0 ] && echo "is-a-tty"; stty size\r');
        await waitFor(s.stdout!, /is-a-tty\r\n40 100/);
        s.resize({ width: 120, height: 50 });
        await new Promise((r) => setTimeout(r, 300));
        const resized = waitFor(s.stdout!, /50 120/);
        s.stdin!.write('stty size; exit 3\r');
        await resized;
        s.stdout!.resume();
        const outcome = await s.done;
        assert.equal(outcome.exitCode, 3, outcome.error);
      } finally {
        s.close();
      }
    },
  },
  {
    category: 'streaming',
    name: `Attach over ${TRANSPORT_NAME[transport]} connects stdin and stdout of the main process`,
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'attach', {
        command: ['sh', '-c', 'while read l; do echo "got $l"; done'],
        stdin: true,
      });
      const { url } = await t.runtime.attach({
        containerId: id,
        stdin: true,
        stdout: true,
        stderr: true,
      });
      const s = await openRemoteCommand(url, { ...(await reach(t, url)), transport, stdin: true });
      try {
        drain(s);
        const seen = waitFor(s.stdout!, /got ping-1/);
        s.stdin!.write('ping-1\n');
        await seen;
      } finally {
        s.close();
      }
    },
  },
  {
    category: 'streaming',
    name: `Attach with a TTY over ${TRANSPORT_NAME[transport]} reaches the container's terminal`,
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'attach-tty', {
        command: ['sh'],
        stdin: true,
        tty: true,
      });
      const { url } = await t.runtime.attach({
        containerId: id,
        stdin: true,
        stdout: true,
        tty: true,
      });
      const s = await openRemoteCommand(url, {
        ...(await reach(t, url)),
        transport,
        stdin: true,
        tty: true,
        initialSize: { width: 90, height: 30 },
      });
      try {
        // The shell echoes what is typed; only its output has the computed value.
        const seen = waitFor(s.stdout!, /hi-42/);
        s.stdin!.write('echo "hi-$((6*7))"\r');
        await seen;
      } finally {
        s.close();
      }
    },
  },
  {
    category: 'streaming',
    name: `PortForward over ${TRANSPORT_NAME[transport]} reaches a port of the pod`,
    async run(t) {
      const pod = await t.runPod();
      await runningContainer(t, pod, 'web', { image: { image: t.images.httpd } });
      let body = '';
      // The server may need a moment to listen once the container runs.
      for (let attempt = 1; attempt <= 20 && !body.includes('httpd ok'); attempt++) {
        const { url } = await t.runtime.portForward({ podSandboxId: pod.id, port: [8080] });
        const pf = await openPortForward(url, {
          ...(await reach(t, url)),
          transport,
          ports: [8080],
        });
        try {
          body = await httpGet(await pf.connect(8080));
        } catch {
          await new Promise((r) => setTimeout(r, 250));
        } finally {
          pf.close();
        }
      }
      assert.match(body, /httpd ok/);
    },
  },
]);

function httpGet(conn: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    conn.on('data', (d: Buffer) => {
      body += d.toString();
    });
    conn.on('error', reject);
    conn.on('end', () => resolve(body));
    conn.on('close', () => resolve(body));
    conn.write('GET / HTTP/1.0\r\n\r\n');
  });
}

export const streamingTests: ConformanceTest[] = [
  ...execTests,
  {
    category: 'streaming',
    name: 'an Exec URL works only once',
    async run(t) {
      const id = await runningContainer(t, await t.runPod(), 'once', {
        command: ['sleep', '3600'],
      });
      const { url } = await t.runtime.exec({ containerId: id, cmd: ['true'], stdout: true });
      // The client opens exactly the streams the request named (error and stdout).
      const opts = { ...(await reach(t, url)), stderr: false };
      assert.equal((await runRemoteCommand(url, opts)).exitCode, 0);
      await assert.rejects(
        runRemoteCommand(url, opts),
        (err) => isUpgradeFailed(err) && err.statusCode === 404,
      );
    },
  },
];
