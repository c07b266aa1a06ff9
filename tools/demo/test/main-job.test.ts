import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findProcessesUnder } from '@capstan/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's main job as a newcomer meets it: `bash tools/run-demo.sh` (the script
// itself, not a test set-up), then the printed kubectl commands with real kubectl
// releases (1.27 speaks SPDY, 1.33 the newest here), then Ctrl-C, after which nothing of
// the node is left: no netns (with its bridge, veths, pod IPs), cgroup, process or dir.

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const KUBECTLS = {
  '1.27': '/usr/lib/google-cloud-sdk/bin/kubectl.1.27',
  '1.33': '/usr/lib/google-cloud-sdk/bin/kubectl.1.33',
};

let demo: ChildProcess;
let out = '';
let exited: Promise<number | null>;
const printed = (re: RegExp): string => {
  const m = re.exec(out);
  if (!m?.[1]) throw new Error(`the demo did not print ${re}; it printed:\n${out}`);
  return m[1];
};
let kubeconfig: string;
let netns: string;
let work: string;
let httpd: string;
let busybox: string;
const hostLinks = async () =>
  (await run('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim())
    .filter(Boolean)
    .sort();
let linksBefore: (string | undefined)[];

async function kubectl(release: keyof typeof KUBECTLS, args: string[]): Promise<string> {
  const { stdout } = await run(KUBECTLS[release], args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: join(work, `home-${release}`),
      KUBECONFIG: kubeconfig,
    },
    timeout: 60_000,
  });
  return stdout;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120_000) {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last ?? '')}\ndemo output:\n${out}`);
}

const jsonpath = (release: keyof typeof KUBECTLS, pod: string, path: string) =>
  kubectl(release, ['get', 'pod', pod, '-o', `jsonpath={${path}}`]);

beforeAll(async () => {
  linksBefore = await hostLinks();
  demo = spawn('bash', [join(ROOT, 'tools/run-demo.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout!.on('data', (d) => (out += d));
  demo.stderr!.on('data', (d) => (out += d));
  exited = new Promise((r) => demo.once('exit', (code) => r(code)));
  await until('the demo to run', async () => out.includes('running; press Ctrl-C'), 240_000);
  kubeconfig = printed(/export KUBECONFIG=(\S+)/);
  netns = printed(/the node is the network namespace (\S+);/);
  work = join(kubeconfig, '..');
  httpd = printed(/kubectl run web2 --image=(\S+)/);
  busybox = httpd.replace(/\/capstan\/httpd:.*$/, '/capstan/busybox:1.36');
}, 300_000);

afterAll(async () => {
  if (demo.exitCode === null) {
    demo.kill('SIGKILL');
    await exited;
  }
});

describe('the main job', () => {
  it('prints the demo pod Running and Ready on the pod network, answering on its IP and hostPort', () => {
    expect(out).toMatch(/pod web-capstan-demo: Running, Ready, IP 10\.88\.0\.\d+/);
    expect(out).toMatch(/from the node, http:\/\/10\.88\.0\.\d+:8080\/ -> "capstan httpd ok"/);
    expect(out).toMatch(/the hostPort, http:\/\/127\.0\.0\.1:8080\/ -> "capstan httpd ok"/);
    expect(out).toMatch(/capstan-demo\s+Ready\s/);
    expect(out).toMatch(/web-capstan-demo\s+1\/1\s+Running\s+0\s+\S+\s+10\.88\.0\.\d+/);
  });

  it('writes the agent and shim logs to their files while it runs', async () => {
    const agentLog = printed(/node agent\s+(\S+\.log)/);
    const shimLog = printed(/docker-shim (\S+\.log)/);
    for (const [file, app] of [
      [agentLog, 'capstan-node-agent'],
      [shimLog, 'capstan-docker-shim'],
    ] as const) {
      const { stdout } = await run('head', ['-n', '1', file]);
      expect(JSON.parse(stdout)).toMatchObject({ app });
    }
  });

  for (const release of Object.keys(KUBECTLS) as (keyof typeof KUBECTLS)[]) {
    const v = release.replace('.', '');
    it(`kubectl ${release}: run gives an ordinary pod an IP that answers from the node`, async () => {
      await kubectl(release, ['run', `web-${v}`, `--image=${httpd}`, '--port=8080']);
      await until(
        `web-${v} Running`,
        async () =>
          (await jsonpath(release, `web-${v}`, '.status.phase')) === 'Running' &&
          (await jsonpath(release, `web-${v}`, '.status.containerStatuses[0].started')) === 'true',
      );
      const ip = await jsonpath(release, `web-${v}`, '.status.podIP');
      expect(ip).toMatch(/^10\.88\.0\.\d+$/);
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        netns,
        'curl',
        '-sS',
        '--max-time',
        '5',
        `http://${ip}:8080/`,
      ]);
      expect(stdout).toBe('capstan httpd ok\n');
      // It reaches the other pods too.
      const other = out.match(/IP (10\.88\.0\.\d+)/)?.[1];
      // It reaches the other pods too (busybox's wget crashes with -T: kubectl's timeout).
      const reach = await kubectl(release, [
        'exec',
        `web-${v}`,
        '--',
        'wget',
        '-qO-',
        `http://${other}:8080/`,
      ]);
      expect(reach).toBe('capstan httpd ok\n');
      // What happened to it, as events: in describe and in get events.
      const described = await kubectl(release, ['describe', 'pod', `web-${v}`]);
      expect(described).toMatch(/Events:/);
      for (const reason of ['Pulled', 'Created', 'Started']) {
        expect(described).toMatch(new RegExp(`Normal\\s+${reason}\\s`));
      }
      const events = await kubectl(release, [
        'get',
        'events',
        '--field-selector',
        `involvedObject.name=web-${v}`,
      ]);
      expect(events).toMatch(/Started\s+pod\/web-\d+\s+Started container/);
      await kubectl(release, ['delete', 'pod', `web-${v}`, '--wait=false']);
    });
  }

  it('a missing image: ErrImagePull, then ImagePullBackOff', async () => {
    const missing = httpd.replace(/\/capstan\/httpd:.*$/, '/capstan/missing:1');
    await kubectl('1.33', ['run', 'nope', `--image=${missing}`]);
    const seen = new Set<string>();
    await until('ImagePullBackOff after ErrImagePull', async () => {
      const reason = await jsonpath(
        '1.33',
        'nope',
        '.status.containerStatuses[0].state.waiting.reason',
      );
      if (reason) seen.add(reason);
      return seen.has('ErrImagePull') && seen.has('ImagePullBackOff');
    });
    expect(await jsonpath('1.33', 'nope', '.status.phase')).toBe('Pending');
    const events = await kubectl('1.33', [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=nope',
    ]);
    expect(events).toMatch(/Warning\s+Failed\s/);
    expect(events).toMatch(/BackOff\s+pod\/nope\s+Back-off pulling image/);
    await kubectl('1.33', ['delete', 'pod', 'nope', '--wait=false']);
  });

  it('a crashing pod: CrashLoopBackOff with a growing restart count', async () => {
    await kubectl('1.27', [
      'run',
      'crash',
      `--image=${busybox}`,
      '--',
      'sh',
      '-c',
      'echo boom; exit 3',
    ]);
    await until(
      'CrashLoopBackOff with restarts >= 2',
      async () =>
        (await jsonpath('1.27', 'crash', '.status.containerStatuses[0].state.waiting.reason')) ===
          'CrashLoopBackOff' &&
        Number(await jsonpath('1.27', 'crash', '.status.containerStatuses[0].restartCount')) >= 2,
      150_000,
    );
    expect(
      await jsonpath('1.27', 'crash', '.status.containerStatuses[0].lastState.terminated.exitCode'),
    ).toBe('3');
    expect(await kubectl('1.27', ['logs', 'crash', '--previous'])).toBe('boom\n');
    await kubectl('1.27', ['delete', 'pod', 'crash', '--wait=false']);
  }, 200_000);

  it('kubectl logs -f follows the printed hello pod', async () => {
    await kubectl('1.33', ['apply', '-f', join(work, 'hello.yaml')]);
    await until(
      'hello Running',
      async () => (await jsonpath('1.33', 'hello', '.status.phase')) === 'Running',
    );
    const follow = spawn(KUBECTLS['1.33'], ['logs', '-f', 'hello'], {
      env: { PATH: process.env.PATH ?? '', HOME: join(work, 'home-1.33'), KUBECONFIG: kubeconfig },
    });
    let text = '';
    follow.stdout.on('data', (d) => (text += d));
    try {
      await until(
        'two new lines through the follow',
        async () => /hello 0\n[\s\S]*hello 2\n/.test(text),
        30_000,
      );
    } finally {
      follow.kill('SIGTERM');
    }
    await kubectl('1.33', ['delete', 'pod', 'hello', '--wait=false']);
  });

  it('kubectl top pod and top node print numbers', async () => {
    const pods = await until('kubectl top pod numbers', async () => {
      const o = await kubectl('1.33', ['top', 'pod']).catch(() => '');
      return /web-capstan-demo\s+\d+m\s+\d+Mi/.test(o) && o;
    });
    expect(pods).toMatch(/NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const nodes = await kubectl('1.27', ['top', 'node']);
    expect(nodes).toMatch(/capstan-demo\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it('Ctrl-C stops everything and leaves nothing behind', async () => {
    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped; nothing left behind');
    expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(netns);
    expect(existsSync(work)).toBe(false);
    expect(findProcessesUnder(work)).toEqual([]);
    expect(await hostLinks()).toEqual(linksBefore);
    const cgroups = readdirSync('/sys/fs/cgroup').flatMap((c) => {
      try {
        return readdirSync(join('/sys/fs/cgroup', c)).filter((d) => d.startsWith('capstan-demo-'));
      } catch {
        return [];
      }
    });
    expect(cgroups).toEqual([]);
  });
});
