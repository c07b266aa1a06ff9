import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  type Containerd,
  findProcessesUnder,
  isAlive,
  mountsUnder,
  startContainerd,
} from '../src/index.js';
import { criCall, decode, field, intField } from './cri-raw.js';
import { expectNothingLeft, shimSocket } from './leak-check.js';

const run = promisify(execFile);
const RUNTIME = '/runtime.v1.RuntimeService';
const IMAGES = '/runtime.v1.ImageService';

describe('startContainerd', () => {
  const env = inject('testenv');
  let ctd: Containerd;
  const ctr = async (...args: string[]): Promise<string> =>
    (await run('ctr', ['--address', ctd.socket, ...args])).stdout;

  beforeAll(async () => {
    ctd = await startContainerd({
      registryHost: env.registryHost,
      sandboxImage: env.images.pause.ref,
    });
  });
  afterAll(async () => {
    await ctd?.stop();
  });

  it('answers ctr version on its private socket', async () => {
    expect(ctd.address).toBe(`unix://${ctd.socket}`);
    expect(ctd.socket).toBe(join(ctd.dir, 'containerd.sock'));
    expect(isAlive(ctd.pid)).toBe(true);
    const out = await ctr('version');
    expect(out).toMatch(/Server:\s+Version:\s+1\.\d+/);
  });

  it('keeps its state under its dir and loads CRI and the chosen snapshotter', async () => {
    const config = readFileSync(join(ctd.dir, 'config.toml'), 'utf8');
    expect(config).toContain(`root = "${ctd.dir}/root"`);
    expect(config).toContain(`state = "${ctd.dir}/state"`);
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain(`endpoint = ["http://${env.registryHost}"]`);
    const plugins = await ctr('plugins', 'ls');
    expect(plugins).toMatch(/io\.containerd\.grpc\.v1\s+cri\s+\S+\s+ok/);
    expect(plugins).toMatch(
      new RegExp(`io\\.containerd\\.snapshotter\\.v1\\s+${ctd.snapshotter}\\s+\\S+\\s+ok`),
    );
    expect(existsSync(join(ctd.dir, 'root', 'io.containerd.metadata.v1.bolt', 'meta.db'))).toBe(
      true,
    );
  });

  it('pulls over plain HTTP through the mirror and runs a pod sandbox with the pause image', async () => {
    const version = decode(await criCall(ctd.socket, `${RUNTIME}/Version`, Buffer.alloc(0)));
    expect(version.get(2)).toEqual(['containerd']);
    const pulled = decode(
      await criCall(ctd.socket, `${IMAGES}/PullImage`, field(1, field(1, env.images.busybox.ref))),
    );
    expect(pulled.get(1)).toEqual([env.images.busybox.configDigest]);

    const metadata = field(
      1,
      Buffer.concat([field(1, 'p1'), field(2, 'uid-p1'), field(3, 'testenv')]),
    );
    // linux.security_context.namespace_options.network = NODE (2): no CNI needed.
    const linux = field(8, field(2, field(1, intField(1, 2))));
    // No hostname: a host-network pod shares the host's UTS namespace.
    const config = Buffer.concat([metadata, linux]);
    const run1 = decode(await criCall(ctd.socket, `${RUNTIME}/RunPodSandbox`, field(1, config)));
    const podId = run1.get(1)?.[0] ?? '';
    expect(podId).toMatch(/^[0-9a-f]{64}$/);
    // The sandbox image was pulled through the mirror too.
    const images = await ctr('-n', 'k8s.io', 'images', 'ls', '-q');
    expect(images).toContain(env.images.pause.ref);
    // runc start returns before its init has exec'd the entrypoint: under load, wait.
    const pause = await vi.waitFor(() => {
      const found = findProcessesUnder(ctd.dir).find((p) => p.cmdline[0] === '/pause');
      expect(found, 'a /pause process under the dir').toBeDefined();
      return found;
    });
    expect(pause).toBeDefined();
    // runc state went to the private runc root, not /run/containerd/runc.
    expect(existsSync(join(ctd.dir, 'runc', 'k8s.io', podId))).toBe(true);
  });

  it('runs a plain container with ctr', async () => {
    const ref = env.images.busybox.ref;
    await ctr('-n', 'testenv', 'images', 'pull', '--plain-http', ref);
    await ctr(
      '-n',
      'testenv',
      'run',
      '-d',
      '--null-io',
      '--snapshotter',
      ctd.snapshotter,
      '--runc-root',
      join(ctd.dir, 'runc'),
      '--fifo-dir',
      join(ctd.dir, 'fifo'),
      ref,
      'sleeper',
      'sleep',
      '1000',
    );
    const tasks = await ctr('-n', 'testenv', 'tasks', 'ls');
    expect(tasks).toMatch(/sleeper\s+\d+\s+RUNNING/);
  });

  it('stop() with a pod and a container still running leaves no process, mount or file', async () => {
    // `ctr run -d` returns before runc's init has exec'd `sleep`: under load, wait.
    await vi.waitFor(() => {
      const cmds = findProcessesUnder(ctd.dir).map((p) => p.cmdline.join(' '));
      expect(cmds).toContain('sleep 1000');
    });
    const procs = findProcessesUnder(ctd.dir);
    const shims = procs.filter((p) => /containerd-shim/.test(p.cmdline[0] ?? ''));
    expect(shims.length).toBeGreaterThanOrEqual(2);
    expect(procs.some((p) => p.cmdline.join(' ') === 'sleep 1000')).toBe(true);
    expect(mountsUnder(ctd.dir).length).toBeGreaterThan(0);
    const pids = [ctd.pid, ...procs.map((p) => p.pid)];
    const sockets = shims.map(shimSocket);
    expect(sockets.filter(existsSync)).toEqual(sockets);
    await ctd.stop();
    expectNothingLeft(ctd.dir, pids, sockets);
  });
});
