import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ContainerConfig,
  ContainerState,
  type CriClient,
  createCriClient,
  type DeepPartial,
  PodSandboxConfig,
} from '@capstan/cri-api';
import { openPortForward, openRemoteCommand, runRemoteCommand } from '@capstan/streaming';
import {
  type DockerShim,
  type NetworkedDockerd,
  startDockerd,
  startDockerShim,
} from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Streaming behaviour beyond the conformance suite (which proves the protocols end to end):
// end of input, exit codes with a TTY, what a client leaving does to exec'd processes and to
// attached containers, attach ending with the container, port-forward errors. The shim
// runs in this process's netns, so its loopback streaming URLs are dialed directly.

const env = inject('testenv');
let dockerd: NetworkedDockerd;
let shim: DockerShim;
let cri: CriClient;
let podId = '';
let pod: PodSandboxConfig;
let n = 0;

beforeAll(async () => {
  dockerd = await startDockerd({
    network: { podCidr: '10.248.0.0/24', registryHost: env.registryHost },
  });
  shim = await startDockerShim({ dockerd, podInfraImage: env.images.pause.ref });
  cri = createCriClient(shim.address, { deadlineMs: 60_000 });
  await cri.image.pullImage({ image: { image: env.images.busybox.ref } });
  pod = PodSandboxConfig.fromPartial({
    metadata: { name: 'streaming', namespace: 'streaming', uid: 'uid-streaming', attempt: 0 },
    logDirectory: join(shim.dir, 'logs'),
  });
  podId = (await cri.runtime.runPodSandbox({ config: pod })).podSandboxId;
});
afterAll(async () => {
  if (podId) await cri?.runtime.removePodSandbox({ podSandboxId: podId }).catch(() => {});
  cri?.close();
  await shim?.stop();
  await dockerd?.stop();
});

async function running(over: DeepPartial<ContainerConfig> = {}): Promise<string> {
  const name = `c${n++}`;
  const { containerId } = await cri.runtime.createContainer({
    podSandboxId: podId,
    config: ContainerConfig.fromPartial({
      metadata: { name },
      image: { image: env.images.busybox.ref },
      command: ['sleep', '3600'],
      logPath: `${name}.log`,
      ...over,
    }),
    sandboxConfig: pod,
  });
  await cri.runtime.startContainer({ containerId });
  return containerId;
}

const stateOf = async (containerId: string) =>
  (await cri.runtime.containerStatus({ containerId })).status?.state;

/** Host PIDs whose command line is exactly `argv` (zombies have none, so they do not count). */
function pidsOf(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1') === want;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function readUntil(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${seen}`)), 15_000);
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe('Exec', () => {
  it('ends the command’s input when the client closes stdin, over SPDY and WebSocket', async () => {
    const id = await running();
    for (const transport of ['spdy', 'websocket'] as const) {
      const { url } = await cri.runtime.exec({
        containerId: id,
        cmd: ['sh', '-c', 'cat; echo "<eof>"'],
        stdin: true,
        stdout: true,
      });
      const res = await runRemoteCommand(url, { transport, stdin: 'some input', stderr: false });
      expect(res.stdout.toString()).toBe('some input<eof>\n');
      expect(res.exitCode).toBe(0);
    }
  });

  it('reports the exit code of a command on a TTY', async () => {
    const id = await running();
    const { url } = await cri.runtime.exec({
      containerId: id,
      cmd: ['sh', '-c', '[ -t 1 ] && exit 7'],
      stdout: true,
      tty: true,
    });
    expect((await runRemoteCommand(url, { tty: true })).exitCode).toBe(7);
  });

  it('kills the exec’d process and its children when the client goes away; the container runs on', async () => {
    const id = await running();
    const { url } = await cri.runtime.exec({
      containerId: id,
      cmd: ['sh', '-c', 'sleep 4242 & sleep 4243; wait'],
      stdout: true,
    });
    const s = await openRemoteCommand(url, { stderr: false });
    await expect.poll(() => pidsOf(['sleep', '4242']).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => pidsOf(['sleep', '4243']).length, { timeout: 10_000 }).toBe(1);
    s.close();
    await expect.poll(() => pidsOf(['sleep', '4242']).length, { timeout: 10_000 }).toBe(0);
    await expect.poll(() => pidsOf(['sleep', '4243']).length, { timeout: 10_000 }).toBe(0);
    expect(await stateOf(id)).toBe(ContainerState.CONTAINER_RUNNING);
  });
});

describe('Attach', () => {
  it('ends when the container exits', async () => {
    const id = await running({ command: ['sh', '-c', 'read l; echo "bye $l"'], stdin: true });
    const { url } = await cri.runtime.attach({ containerId: id, stdin: true, stdout: true });
    const s = await openRemoteCommand(url, { stdin: true, stderr: false });
    const seen = readUntil(s.stdout!, /bye x/);
    s.stdin!.write('x\n');
    await seen;
    s.stdout!.resume();
    expect((await s.done).exitCode).toBe(0);
    await expect.poll(() => stateOf(id)).toBe(ContainerState.CONTAINER_EXITED);
  });

  it('leaves the container running when the client goes away', async () => {
    const id = await running({
      command: ['sh', '-c', 'while read l; do echo "$l"; done'],
      stdin: true,
    });
    const { url } = await cri.runtime.attach({ containerId: id, stdin: true, stdout: true });
    const s = await openRemoteCommand(url, { stdin: true, stderr: false });
    const seen = readUntil(s.stdout!, /one/);
    s.stdin!.write('one\n');
    await seen;
    s.close();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await stateOf(id)).toBe(ContainerState.CONTAINER_RUNNING);
  });
});

describe('PortForward', () => {
  it('reports a port nobody listens on as an error of that connection', async () => {
    await running();
    const { url } = await cri.runtime.portForward({ podSandboxId: podId, port: [9] });
    const pf = await openPortForward(url, { ports: [9] });
    try {
      const conn = await pf.connect(9);
      const err = await new Promise<Error>((resolve) => conn.once('error', resolve));
      expect(err.message).toMatch(/port 9 .*ECONNREFUSED/);
    } finally {
      pf.close();
    }
  });
});

it('SIGTERM ends open sessions, killing their exec’d processes, and exits 0', async () => {
  const id = await running();
  const { url } = await cri.runtime.exec({
    containerId: id,
    cmd: ['sleep', '4244'],
    stdout: true,
  });
  const s = await openRemoteCommand(url, { stderr: false });
  s.stdout!.resume();
  await expect.poll(() => pidsOf(['sleep', '4244']).length, { timeout: 10_000 }).toBe(1);
  // The shim stops; the container stays (dockerd's stop() removes it after the test).
  expect(await shim.stop()).toEqual({ code: 0, signal: null });
  expect(pidsOf(['sleep', '4244'])).toEqual([]);
  s.close();
  podId = '';
});
