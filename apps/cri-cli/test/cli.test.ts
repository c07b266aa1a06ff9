import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CriClient, connectCriClient } from '@capstan/cri-api';
import { HTTPD_INDEX } from '@capstan/testenv';
import type {} from '@capstan/testenv/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { APP_DIR, runCapstanCri } from './cli-run.js';

// capstan-cri against a real containerd (the private instance of the test environment,
// pulling from the private registry), run as a child process like an operator would.

const env = inject('testenv');
const RUN = `cri-cli-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'capstan-cri-cli-'));
const logDir = join(dir, 'logs');
let cri: CriClient;

/** `capstan-cri -r <containerd> -t 30s ...args` (a generous deadline: this VM is slow). */
const cli = (...args: string[]) =>
  runCapstanCri(['-r', env.containerd.address, '-t', '30s', ...args]);

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 13);
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// A host-network pod: the plain containerd has no CNI. crictl's snake_case field names.
const podConfig = file(
  'pod.json',
  JSON.stringify({
    metadata: { name: 'cli-pod', namespace: 'cli-ns', uid: `uid-${RUN}`, attempt: 1 },
    log_directory: logDir,
    labels: { 'capstan.io/suite': 'cri-cli', run: RUN },
    linux: { security_context: { namespace_options: { network: 2 } } },
  }),
);
const containerConfig = (name: string, script: string) =>
  file(
    `${name}.yaml`,
    [
      'metadata:',
      `  name: ${name}`,
      'image:',
      `  image: ${env.images.busybox.ref}`,
      'command: [sh, -c]',
      `args: [${JSON.stringify(script)}]`,
      `log_path: ${name}.0.log`,
      'labels:',
      `  run: ${RUN}`,
      '',
    ].join('\n'),
  );

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  cri = await connectCriClient(env.containerd.address, { deadlineMs: 120_000 });
});

afterAll(async () => {
  // Whatever a failed test left: every pod of this run, by label.
  const { items } = await cri.runtime.listPodSandbox({ filter: { labelSelector: { run: RUN } } });
  for (const pod of items) {
    await cri.runtime.stopPodSandbox({ podSandboxId: pod.id });
    await cri.runtime.removePodSandbox({ podSandboxId: pod.id });
  }
  cri?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('capstan-cri against containerd', () => {
  let podId = '';
  let ctrId = '';

  it('version names the CLI and the runtime, reading the endpoint from the environment', async () => {
    const own = await runCapstanCri(['--version']);
    expect(own.stdout.trim()).toBe(pkg.version);
    const r = await runCapstanCri(['version'], {
      env: { CONTAINER_RUNTIME_ENDPOINT: env.containerd.address },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Version:  ${pkg.version}\n`);
    expect(r.stdout).toContain('RuntimeName:  containerd\n');
    expect(r.stdout).toContain('RuntimeApiVersion:  v1\n');
  });

  it('honours runtime-endpoint and debug from a crictl.yaml given with --config', async () => {
    const config = file(
      'crictl.yaml',
      `runtime-endpoint: ${env.containerd.address}\ntimeout: 30\ndebug: true\n`,
    );
    const r = await runCapstanCri(['--config', config, 'version', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runtimeName).toBe('containerd');
    expect(r.stderr).toMatch(/^DEBUG Version request: /m);
  });

  it('pull fetches busybox from the test registry', async () => {
    const r = await cli('pull', env.images.busybox.ref);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`Image is up to date for ${env.images.busybox.configDigest}\n`);
  });

  it('images lists it as a table, with -q and with -o json', async () => {
    const { repo, tag, configDigest } = env.images.busybox;
    const table = await cli('images');
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^IMAGE {2,}TAG {2,}IMAGE ID {2,}SIZE$/);
    const row = rows.find((l) => l.startsWith(`${repo} `))!;
    expect(row.split(/ {2,}/).slice(0, 3)).toEqual([repo, tag, short(configDigest)]);
    expect(row).toMatch(/\d(\.\d+)?[kM]B$/);

    expect(lines((await cli('images', '-q')).stdout)).toContain(configDigest);
    const json = JSON.parse((await cli('images', '-o', 'json')).stdout);
    expect(json.images.map((i: { id: string }) => i.id)).toContain(configDigest);
  });

  it('runp runs a host-network pod from a snake_case JSON file; pods shows it', async () => {
    const r = await cli('runp', podConfig);
    expect(r.stderr).toBe('');
    podId = r.stdout.trim();
    expect(podId).toMatch(/^[0-9a-f]{64}$/);

    const table = await cli('pods', '--label', `run=${RUN}`);
    const [header, row] = lines(table.stdout);
    expect(header).toMatch(/^POD ID {2,}CREATED {2,}STATE {2,}NAME {2,}NAMESPACE {2,}ATTEMPT$/);
    expect(row!.split(/ {2,}/)).toEqual([
      podId.slice(0, 13),
      expect.stringMatching(/ago$/),
      'Ready',
      'cli-pod',
      'cli-ns',
      '1',
    ]);
    expect((await cli('pods', '-q', '--label', `run=${RUN}`)).stdout).toBe(`${podId}\n`);
    expect((await cli('pods', '-q', '--state', 'notready', '--label', `run=${RUN}`)).stdout).toBe(
      '',
    );
  });

  it('create (with a pod ID prefix and a YAML config) and start a container', async () => {
    const config = containerConfig(
      'busy',
      "trap 'exit 0' TERM; echo hello-from-capstan; echo line-two; while true; do sleep 1; done",
    );
    const created = await cli('create', podId.slice(0, 12), config, podConfig);
    expect(created.stderr).toBe('');
    ctrId = created.stdout.trim();
    expect(ctrId).toMatch(/^[0-9a-f]{64}$/);
    const started = await cli('start', ctrId.slice(0, 10));
    expect(started).toEqual({ code: 0, stdout: `${ctrId.slice(0, 10)}\n`, stderr: '' });
  });

  it('ps shows the container running', async () => {
    const table = await cli('ps', '--pod', podId.slice(0, 8));
    const [header, row] = lines(table.stdout);
    expect(header).toMatch(
      /^CONTAINER {2,}IMAGE {2,}CREATED {2,}STATE {2,}NAME {2,}ATTEMPT {2,}POD ID$/,
    );
    const cells = row!.split(/ {2,}/);
    expect(cells[0]).toBe(ctrId.slice(0, 13));
    expect(cells.slice(3)).toEqual(['Running', 'busy', '0', podId.slice(0, 13)]);
    expect((await cli('ps', '-q', '--label', `run=${RUN}`, '--name', '^bu')).stdout).toBe(
      `${ctrId}\n`,
    );
    const json = JSON.parse((await cli('ps', '-o', 'json', '--id', ctrId.slice(0, 6))).stdout);
    expect(json.containers).toMatchObject([
      { id: ctrId, state: 'CONTAINER_RUNNING', podSandboxId: podId },
    ]);
    expect((await cli('ps', '-q', '--state', 'exited', '--pod', podId)).stdout).toBe('');
  });

  it('exec prints stdout and stderr and exits with the command code', async () => {
    const r = await cli(
      'exec',
      ctrId.slice(0, 12),
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    );
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const sync = await cli('exec', '-s', '--timeout', '30', ctrId, 'echo', 'hi', '-n');
    expect(sync).toEqual({ code: 0, stdout: 'hi -n\n', stderr: '' });
  });

  it("exec -i streams stdin to the command and its output back; the exit code is the command's", async () => {
    const echo = await runCapstanCri(
      ['-r', env.containerd.address, 'exec', '-i', ctrId, '--', 'sh', '-c', 'cat; echo done >&2'],
      { input: 'hello over streaming\nsecond line\n' },
    );
    expect(echo).toEqual({
      code: 0,
      stdout: 'hello over streaming\nsecond line\n',
      stderr: 'done\n',
    });
    const code = await runCapstanCri(
      ['-r', env.containerd.address, 'exec', '-i', ctrId, '--', 'sh', '-c', 'read x; exit $x'],
      { input: '4\n' },
    );
    expect(code.code).toBe(4);
    // -t: the command runs on a terminal.
    const tty = await cli('exec', '-t', ctrId, 'tty');
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n$/);
  });

  it('attach -i talks to the stdin and stdout of a container made with stdin', async () => {
    const config = file(
      'reader.yaml',
      [
        'metadata:',
        '  name: reader',
        'image:',
        `  image: ${env.images.busybox.ref}`,
        'command: [sh, -c, "while read line; do echo got:$line; done"]',
        'stdin: true',
        'stdin_once: true',
        'log_path: reader.0.log',
        'labels:',
        `  run: ${RUN}`,
        '',
      ].join('\n'),
    );
    const id = (await cli('create', podId, config, podConfig)).stdout.trim();
    expect((await cli('start', id)).code).toBe(0);
    const r = await runCapstanCri(['-r', env.containerd.address, 'attach', '-i', id], {
      input: 'one\ntwo\n',
    });
    expect(r).toEqual({ code: 0, stdout: 'got:one\ngot:two\n', stderr: '' });
    await cli('rm', '-f', id);
  });

  it('port-forward serves a pod port on a local one until stopped', async () => {
    const port = 20_000 + (process.pid % 20_000);
    const config = file(
      'web.yaml',
      [
        'metadata:',
        '  name: web',
        'image:',
        `  image: ${env.images.httpd.ref}`,
        `command: [httpd, -f, -p, "${port}", -h, /www]`,
        'log_path: web.0.log',
        'labels:',
        `  run: ${RUN}`,
        '',
      ].join('\n'),
    );
    expect((await cli('pull', env.images.httpd.ref)).code).toBe(0);
    const id = (await cli('create', podId, config, podConfig)).stdout.trim();
    expect((await cli('start', id)).code).toBe(0);
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'src/main.ts',
        '-r',
        env.containerd.address,
        'port-forward',
        podId,
        `0:${port}`,
      ],
      { cwd: APP_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out);
        });
        child.once('exit', (c) => reject(new Error(`port-forward exited ${c}`)));
      });
      const m = /^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)\n$/.exec(line);
      expect(m?.[2]).toBe(String(port));
      const page = await waitFor('the page through the forward', async () => {
        const res = await fetch(`http://127.0.0.1:${m![1]}/`).catch(() => undefined);
        return res?.ok ? res.text() : undefined;
      });
      expect(page).toBe(HTTPD_INDEX);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
      await cli('rm', '-f', id);
    }
  });

  it('logs prints the output from the CRI log file, with --tail and --timestamps', async () => {
    const all = await waitFor('two log lines', async () => {
      const r = await cli('logs', ctrId);
      return r.stdout.includes('line-two') ? r : undefined;
    });
    expect(all).toEqual({ code: 0, stdout: 'hello-from-capstan\nline-two\n', stderr: '' });
    expect((await cli('logs', '--tail', '1', ctrId)).stdout).toBe('line-two\n');
    expect((await cli('logs', '-t', '--tail', '1', ctrId)).stdout).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d) line-two\n$/,
    );
  });

  it('logs -f follows a container until it exits, stderr lines on stderr', async () => {
    const config = containerConfig('sayer', 'echo one; echo oops >&2; sleep 2; echo two');
    const id = (await cli('create', podId, config, podConfig)).stdout.trim();
    expect((await cli('start', id)).code).toBe(0);
    const r = await cli('logs', '-f', id);
    expect(r).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: 'oops\n' });
    expect((await cli('rm', id)).code).toBe(0);
  });

  it('inspect, inspectp and inspecti print JSON holding the ID', async () => {
    const c = JSON.parse((await cli('inspect', ctrId.slice(0, 12))).stdout);
    expect(c.status).toMatchObject({
      id: ctrId,
      state: 'CONTAINER_RUNNING',
      metadata: { name: 'busy' },
    });
    expect(c.status.logPath).toBe(join(logDir, 'busy.0.log'));
    const p = JSON.parse((await cli('inspectp', podId)).stdout);
    expect(p.status).toMatchObject({ id: podId, state: 'SANDBOX_READY' });
    const i = JSON.parse((await cli('inspecti', env.images.busybox.ref)).stdout);
    expect(i.status.id).toBe(env.images.busybox.configDigest);
    const y = await cli('inspect', '-o', 'yaml', ctrId);
    expect(y.stdout).toContain(`id: ${ctrId}`);
  });

  it('stats shows the running container', async () => {
    const table = await cli('stats', '--pod', podId);
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^CONTAINER {2,}NAME {2,}CPU % {2,}MEM {2,}DISK {2,}INODES$/);
    const row = rows.find((l) => l.startsWith(ctrId.slice(0, 13)))!;
    expect(row.split(/ {2,}/)).toEqual([
      ctrId.slice(0, 13),
      'busy',
      expect.stringMatching(/^\d+\.\d\d$/),
      expect.stringMatching(/B$/),
      expect.stringMatching(/B$/),
      expect.stringMatching(/^\d+$/),
    ]);
    const json = JSON.parse((await cli('stats', '-o', 'json', '--id', ctrId.slice(0, 9))).stdout);
    expect(json.stats[0].attributes.id).toBe(ctrId);
  });

  it('rm -f stops and removes a running container', async () => {
    const id = (
      await cli('create', podId, containerConfig('victim', 'sleep 600'), podConfig)
    ).stdout.trim();
    await cli('start', id);
    const refused = await cli('rm', id);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: `capstan-cri: container ${id} is running: stop it first or use rm -f\n`,
    });
    expect(await cli('rm', '-f', id)).toEqual({ code: 0, stdout: `${id}\n`, stderr: '' });
    expect((await cli('ps', '-a', '-q', '--pod', podId)).stdout).not.toContain(id);
  });

  it('stop and rm remove the container', async () => {
    expect(await cli('stop', '-t', '10', ctrId)).toEqual({
      code: 0,
      stdout: `${ctrId}\n`,
      stderr: '',
    });
    const exited = await cli('ps', '-a', '--id', ctrId);
    expect(lines(exited.stdout)[1]).toContain('Exited');
    expect(await cli('rm', ctrId.slice(0, 12))).toEqual({
      code: 0,
      stdout: `${ctrId.slice(0, 12)}\n`,
      stderr: '',
    });
    expect((await cli('ps', '-a', '-q', '--pod', podId)).stdout).toBe('');
  });

  it('stopp and rmp remove the pod', async () => {
    expect((await cli('stopp', podId)).stdout).toBe(`Stopped sandbox ${podId}\n`);
    expect(lines((await cli('pods', '--id', podId)).stdout)[1]).toContain('NotReady');
    expect((await cli('rmp', podId)).stdout).toBe(`Removed sandbox ${podId}\n`);
    expect((await cli('pods', '-q', '--label', `run=${RUN}`)).stdout).toBe('');
  });

  it('rmp -f stops and removes a ready pod; without -f it refuses', async () => {
    const second = file(
      'pod2.yaml',
      `metadata: {name: cli-pod-2, namespace: cli-ns, uid: uid2-${RUN}}\nlabels: {run: ${RUN}}\nlinux:\n  security_context:\n    namespace_options: {network: NODE}\n`,
    );
    const id = (await cli('runp', second)).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await cli('rmp', id)).toEqual({
      code: 1,
      stdout: '',
      stderr: `capstan-cri: pod sandbox ${id} is ready: stop it first with stopp or use rmp -f\n`,
    });
    expect((await cli('rmp', '-f', id)).stdout).toBe(`Removed sandbox ${id}\n`);
    expect(await cli('pods', '-q', '--id', id.slice(0, 12))).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('rmi removes an image by reference', async () => {
    const { ref, configDigest } = env.images.httpd;
    expect((await cli('pull', ref)).code).toBe(0);
    expect(await cli('rmi', ref)).toEqual({ code: 0, stdout: `Deleted: ${ref}\n`, stderr: '' });
    expect(lines((await cli('images', '-q')).stdout)).not.toContain(configDigest);
  });

  it('an unknown ID fails with one line naming NotFound', async () => {
    for (const args of [
      ['inspect', 'deadbeef00'],
      ['stop', 'deadbeef00'],
      ['rmp', 'deadbeef00'],
      ['inspecti', 'sha256:deadbeef00'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^capstan-cri: NotFound: .*deadbeef00.*\n$/);
    }
  });

  it('a bad config file fails with one clear line and runs nothing', async () => {
    const typo = file(
      'typo.json',
      JSON.stringify({ metadata: { name: 'x' }, linux: { security_contxt: {} } }),
    );
    const r = await cli('runp', typo);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `capstan-cri: pod config ${typo}: unknown field "linux.security_contxt"\n`,
    });
    const broken = file('broken.yaml', 'metadata: [name: x\n');
    const b = await cli('runp', broken);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(
      new RegExp(`^capstan-cri: pod config ${broken}: not valid YAML: [^\\n]+\\n$`),
    );
    const badCrictl = file('bad-crictl.yaml', 'timeout: [1]\n');
    const c = await runCapstanCri(['--config', badCrictl, 'version']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(
      new RegExp(`^capstan-cri: config file ${badCrictl}: timeout: [^\\n]+\\n$`),
    );
    expect((await cli('pods', '-q', '--label', `run=${RUN}`)).stdout).toBe('');
  });
});
