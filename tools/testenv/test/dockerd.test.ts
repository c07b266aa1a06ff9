import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type Dockerd,
  findProcessesUnder,
  isAlive,
  mountsUnder,
  startDockerd,
  unixRequest,
} from '../src/index.js';
import { expectNothingLeft, shimSocket } from './leak-check.js';

/** Splits a non-TTY container log stream (8-byte frame headers) into stdout and stderr. */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  for (let at = 0; at + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(at + 4);
    const text = buf.subarray(at + 8, at + 8 + len).toString();
    if (buf[at] === 2) out.stderr += text;
    else out.stdout += text;
    at += 8 + len;
  }
  return out;
}

describe('startDockerd', () => {
  const env = inject('testenv');
  let docker: Dockerd;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await unixRequest(docker.socket, { method, path, body });
    return { status: res.status, body: res.body, json: () => JSON.parse(res.body.toString()) };
  };
  const createAndStart = async (cmd: string[]): Promise<string> => {
    const created = await api('POST', '/containers/create', {
      Image: env.images.busybox.ref,
      Cmd: cmd,
      HostConfig: { NetworkMode: 'none' },
    });
    expect(created.status, created.body.toString()).toBe(201);
    const id = (created.json() as { Id: string }).Id;
    const started = await api('POST', `/containers/${id}/start`);
    expect(started.status, started.body.toString()).toBe(204);
    return id;
  };

  beforeAll(async () => {
    docker = await startDockerd();
  });
  afterAll(async () => {
    await docker?.stop();
  });

  it('answers /_ping on its private socket, on its own containerd', async () => {
    const ping = await api('GET', '/_ping');
    expect(ping.status).toBe(200);
    expect(ping.body.toString()).toBe('OK');
    const info = (await api('GET', '/info')).json() as { Driver: string; DockerRootDir: string };
    expect(info.Driver).toBe(docker.storageDriver);
    expect(info.DockerRootDir).toBe(`${docker.dir}/data`);
    const dockerd = findProcessesUnder(docker.dir).find((p) => p.pid === docker.pid);
    expect(dockerd?.cmdline).toContain(`--containerd=${docker.containerdSocket}`);
  });

  it('pulls busybox from the private registry with the Engine API', async () => {
    const { repo, tag } = env.images.busybox;
    const pull = await api(
      'POST',
      `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`,
    );
    expect(pull.status).toBe(200);
    expect(pull.body.toString()).not.toContain('"error"');
    const image = (
      await api('GET', `/images/${encodeURIComponent(env.images.busybox.ref)}/json`)
    ).json() as {
      Id: string;
      RepoDigests: string[];
    };
    expect(image.Id).toBe(env.images.busybox.configDigest);
    expect(image.RepoDigests).toContain(`${repo}@${env.images.busybox.digest}`);
  });

  it('runs echo hi with network none and reads "hi" from its logs', async () => {
    const id = await createAndStart(['echo', 'hi']);
    const wait = await api('POST', `/containers/${id}/wait`);
    expect((wait.json() as { StatusCode: number }).StatusCode).toBe(0);
    const logs = await api('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    expect(demux(logs.body)).toEqual({ stdout: 'hi\n', stderr: '' });
    const inspect = (await api('GET', `/containers/${id}/json`)).json() as {
      HostConfig: { NetworkMode: string };
    };
    expect(inspect.HostConfig.NetworkMode).toBe('none');
  });

  it('stop() with a running and a paused container leaves no process, mount, cgroup or file', async () => {
    const paused = await createAndStart(['sleep', '1000']);
    const pause = await api('POST', `/containers/${paused}/pause`);
    expect(pause.status, pause.body.toString()).toBe(204);
    const pausedPid = (
      (await api('GET', `/containers/${paused}/json`)).json() as {
        State: { Paused: boolean; Pid: number };
      }
    ).State;
    expect(pausedPid.Paused).toBe(true);
    const id = await createAndStart(['sleep', '1000']);
    const state = (await api('GET', `/containers/${id}/json`)).json() as {
      State: { Running: boolean; Pid: number };
    };
    expect(state.State.Running).toBe(true);
    expect(isAlive(state.State.Pid)).toBe(true);
    const memcg = readFileSync(`/proc/${state.State.Pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^\d+:memory:/.test(l));
    expect(memcg).toBe(`${memcg?.split(':')[0]}:memory:${docker.cgroupParent}/${id}`);
    const parentDir = `/sys/fs/cgroup/memory${docker.cgroupParent}`;
    expect(existsSync(parentDir)).toBe(true);
    const procs = findProcessesUnder(docker.dir);
    expect(procs.map((p) => p.pid)).toContain(state.State.Pid);
    expect(mountsUnder(docker.dir).length).toBeGreaterThan(0);
    const shims = procs.filter((p) => /containerd-shim/.test(p.cmdline[0] ?? ''));
    expect(shims.length).toBeGreaterThanOrEqual(1);
    await docker.stop();
    expectNothingLeft(
      docker.dir,
      [docker.pid, state.State.Pid, pausedPid.Pid, ...procs.map((p) => p.pid)],
      shims.map(shimSocket),
    );
    expect(existsSync(parentDir), `${parentDir} left behind`).toBe(false);
  });
});
