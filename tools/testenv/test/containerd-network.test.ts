import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cidrContains,
  findProcessesUnder,
  HTTPD_INDEX,
  isAlive,
  mountsUnder,
  type NetworkedContainerd,
  netnsListed,
  processesInNetns,
  startContainerd,
} from '../src/index.js';
import {
  execSync,
  podSandboxConfig,
  podSandboxIp,
  pullImage,
  removePodSandbox,
  runPodSandbox,
  startContainer,
} from './cri-raw.js';
import { expectNothingLeft, shimSocket } from './leak-check.js';

const run = promisify(execFile);
const POD_CIDR = '10.88.0.0/24';
const GATEWAY = '10.88.0.1';
const HOST_PORT = 18080;

/** Names of the links in the calling process's (the host's) network namespace. */
async function hostLinks(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] ?? '')
    .sort();
}

/** libcni cache entries of this containerd: its network's, or naming a netns under its dir. */
function ourCniCache(ctd: NetworkedContainerd): string[] {
  const dir = '/var/lib/cni/results';
  if (!existsSync(dir)) return [];
  const mentionsDir = (f: string): boolean => {
    try {
      return readFileSync(join(dir, f), 'utf8').includes(`"sandbox":"${ctd.dir}/`);
    } catch {
      return false; // another containerd's entry, removed meanwhile
    }
  };
  return readdirSync(dir).filter((f) => f.startsWith(`${ctd.networkName}-`) || mentionsDir(f));
}

describe('startContainerd({ network })', () => {
  const env = inject('testenv');
  let ctd: NetworkedContainerd;
  let linksBefore: string[];
  let podIp = '';
  const wget = (url: string) =>
    ctd.execInNode(['/bin/busybox', 'wget', '-qO-', url], { timeoutMs: 5_000 });
  /** wget from the node netns until it answers (a container's server needs a moment). */
  const wgetUntilOk = async (url: string): Promise<string> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await wget(url);
      if (res.code === 0 || Date.now() > deadline) {
        expect(res.stderr, `wget ${url}`).toBe('');
        expect(res.code, `wget ${url}`).toBe(0);
        return res.stdout;
      }
      await sleep(50);
    }
  };

  beforeAll(async () => {
    linksBefore = await hostLinks();
    ctd = await startContainerd({
      registryHost: env.registryHost,
      sandboxImage: env.images.pause.ref,
      network: { podCidr: POD_CIDR },
    });
  });
  afterAll(async () => {
    await ctd?.stop();
  });

  it('runs containerd itself (the tracked PID) in a fresh named netns that has only lo', async () => {
    expect(ctd.netns).toMatch(/^capstan-node-[0-9a-f]{8}$/);
    expect(ctd.netnsPath).toBe(`/run/netns/${ctd.netns}`);
    expect(ctd.podCidr).toBe(POD_CIDR);
    expect(await netnsListed(ctd.netns)).toBe(true);
    // nsenter exec'd containerd: the PID we track is containerd's, in the node netns...
    expect(readlinkSync(`/proc/${ctd.pid}/exe`)).toMatch(/\/containerd$/);
    const nodeNet = `net:[${statSync(ctd.netnsPath).ino}]`;
    expect(readlinkSync(`/proc/${ctd.pid}/ns/net`)).toBe(nodeNet);
    expect(readlinkSync('/proc/self/ns/net')).not.toBe(nodeNet);
    // ...and in our mount namespace, so its mounts are visible to (and cleaned by) us.
    expect(readlinkSync(`/proc/${ctd.pid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'));
    const links = await ctd.execInNode(['ip', '-o', 'link', 'show']);
    expect(links.code).toBe(0);
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
    expect(links.stdout).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });

  it('writes a bridge + portmap conflist with host-local IPAM under the private dir', () => {
    const conf = JSON.parse(
      readFileSync(join(ctd.dir, 'cni-conf', '10-capstan.conflist'), 'utf8'),
    ) as {
      cniVersion: string;
      name: string;
      plugins: Record<string, unknown>[];
    };
    expect(conf.cniVersion).toBe('1.0.0');
    expect(conf.name).toBe(ctd.networkName);
    expect(conf.plugins).toEqual([
      {
        type: 'bridge',
        bridge: ctd.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: POD_CIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(ctd.dir, 'cni-ipam'),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ]);
  });

  it('reaches the host registry on the same 127.0.0.1 address from inside the netns', async () => {
    const res = await wget(`http://${env.registryHost}/v2/`);
    expect(res).toMatchObject({ code: 0, stdout: '{}' });
    expect(await pullImage(ctd.socket, env.images.httpd.ref)).toBe(env.images.httpd.configDigest);
    expect(await pullImage(ctd.socket, env.images.busybox.ref)).toBe(
      env.images.busybox.configDigest,
    );
  });

  it('gives a pod an IP in podCidr whose httpd answers the node netns, and its bridge and veth stay there', async () => {
    const config = podSandboxConfig({
      name: 'web',
      hostname: 'web',
      portMappings: [{ containerPort: 8080, hostPort: HOST_PORT }],
    });
    const podId = await runPodSandbox(ctd.socket, config);
    podIp = await podSandboxIp(ctd.socket, podId);
    expect(cidrContains(POD_CIDR, podIp), `${podIp} in ${POD_CIDR}`).toBe(true);
    expect(podIp).not.toBe(GATEWAY);
    // host-local keeps its allocations in the private dataDir.
    expect(readdirSync(join(ctd.dir, 'cni-ipam', ctd.networkName))).toContain(podIp);
    await startContainer(ctd.socket, podId, config, { name: 'httpd', image: env.images.httpd.ref });
    expect(await wgetUntilOk(`http://${podIp}:8080/`)).toBe(HTTPD_INDEX);

    const addr = await ctd.execInNode(['ip', '-o', '-4', 'addr', 'show', 'dev', ctd.bridge]);
    expect(addr.stdout).toContain(`inet ${GATEWAY}/24`);
    const nodeLinks = (await ctd.execInNode(['ip', '-o', 'link', 'show'])).stdout;
    const veths = [...nodeLinks.matchAll(/^\d+: (veth[0-9a-f]+)@/gm)].map((m) => m[1] ?? '');
    expect(veths).toHaveLength(1);
    expect(nodeLinks).toMatch(new RegExp(`: ${veths[0]}@\\S+: .* master ${ctd.bridge} `));
    const host = await hostLinks();
    expect(host).not.toContain(ctd.bridge);
    for (const v of veths) expect(host).not.toContain(v);
  });

  it('maps hostPort on the node with iptables rules that exist only in the node netns', async () => {
    expect(await wgetUntilOk(`http://${GATEWAY}:${HOST_PORT}/`)).toBe(HTTPD_INDEX);
    const nodeRules = await ctd.execInNode(['iptables-save', '-t', 'nat']);
    expect(nodeRules.code).toBe(0);
    expect(nodeRules.stdout).toContain(`--to-destination ${podIp}:8080`);
    expect(nodeRules.stdout).toContain(ctd.networkName);
    const hostRules = (await run('iptables-save', ['-t', 'nat'])).stdout;
    expect(hostRules).not.toContain(ctd.networkName);
  });

  it('lets a second pod reach the first over the bridge (ExecSync wget in busybox)', async () => {
    const config = podSandboxConfig({ name: 'client', hostname: 'client' });
    const podId = await runPodSandbox(ctd.socket, config);
    const ip = await podSandboxIp(ctd.socket, podId);
    expect(cidrContains(POD_CIDR, ip)).toBe(true);
    expect(ip).not.toBe(podIp);
    const id = await startContainer(ctd.socket, podId, config, {
      name: 'client',
      image: env.images.busybox.ref,
      command: ['sleep', '1000'],
    });
    const res = await execSync(ctd.socket, id, ['wget', '-qO-', `http://${podIp}:8080/`]);
    expect(res).toEqual({ stdout: HTTPD_INDEX, stderr: '', exitCode: 0 });
    // The pod's own view: its address on eth0, default route via the bridge.
    const route = await execSync(ctd.socket, id, ['ip', 'route']);
    expect(route.stdout).toContain(`default via ${GATEWAY} dev eth0`);
  });

  it('stop() removes the netns, its devices and processes, every mount and file, and CNI caches', async () => {
    const inode = statSync(ctd.netnsPath).ino;
    const procs = findProcessesUnder(ctd.dir);
    const inNetns = processesInNetns(inode);
    // containerd, the registry forwarder and the shims all run in the node netns.
    expect(inNetns).toContain(ctd.pid);
    expect(inNetns.length).toBeGreaterThanOrEqual(4);
    const forwarder = procs.find((p) => p.cmdline.some((a) => a.endsWith('netns-forwarder.mjs')));
    expect(forwarder, 'registry forwarder').toBeDefined();
    expect(inNetns).toContain(forwarder?.pid);
    const shims = procs.filter((p) => /containerd-shim/.test(p.cmdline[0] ?? ''));
    expect(shims.length).toBeGreaterThanOrEqual(2);
    expect(mountsUnder(ctd.dir).length).toBeGreaterThan(0);
    const sockets = shims.map(shimSocket);
    // libcni cached a loopback and a pod-network result per pod (no CNI DEL will run).
    const cacheBefore = ourCniCache(ctd);
    expect(cacheBefore.filter((f) => f.startsWith('cni-loopback-'))).toHaveLength(2);
    expect(cacheBefore.filter((f) => f.startsWith(`${ctd.networkName}-`))).toHaveLength(2);

    await ctd.stop();

    expectNothingLeft(ctd.dir, [ctd.pid, ...procs.map((p) => p.pid), ...inNetns], sockets);
    expect(inNetns.filter(isAlive)).toEqual([]);
    expect(processesInNetns(inode)).toEqual([]);
    expect(await netnsListed(ctd.netns)).toBe(false);
    expect(existsSync(ctd.netnsPath)).toBe(false);
    expect(ourCniCache(ctd)).toEqual([]);
    expect(await hostLinks()).toEqual(linksBefore);
  });
});

describe('startContainerd({ network }) failing', () => {
  it('leaves no netns and no dir when the network cannot be set up', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'capstan-testenv-test-'));
    const dir = join(parent, 'ctd');
    const before = (await run('ip', ['netns', 'list'])).stdout;
    try {
      await expect(
        startContainerd({ dir, registryHost: '127.0.0.1:1', network: { podCidr: '10.9.0.0/33' } }),
      ).rejects.toThrow(/podCidr/);
      await expect(
        startContainerd({
          dir,
          registryHost: 'localhost:5000',
          network: { podCidr: '10.9.0.0/24' },
        }),
      ).rejects.toThrow(/registryHost must be 127\.0\.0\.1/);
      expect(existsSync(dir)).toBe(false);
      const mine = (out: string) =>
        out.split('\n').filter((l) => l.startsWith('capstan-node-') && !before.includes(l));
      expect(mine((await run('ip', ['netns', 'list'])).stdout)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('the global setup’s networked containerd', () => {
  const env = inject('testenv');
  const net = env.networkedContainerd;

  it('runs in its own listed netns and gives pods IPs in its podCidr', async () => {
    expect(net.podCidr).toBe('10.244.0.0/24');
    expect(net.address).toBe(`unix://${net.socket}`);
    expect(net.netnsPath).toBe(`/run/netns/${net.netns}`);
    expect(await netnsListed(net.netns)).toBe(true);
    const podId = await runPodSandbox(net.socket, podSandboxConfig({ name: 'global-net' }));
    try {
      const ip = await podSandboxIp(net.socket, podId);
      expect(cidrContains(net.podCidr, ip), `${ip} in ${net.podCidr}`).toBe(true);
      const ping = await run('ip', [
        'netns',
        'exec',
        net.netns,
        '/bin/busybox',
        'ping',
        '-c',
        '1',
        '-W',
        '2',
        ip,
      ]);
      expect(ping.stdout).toContain('1 packets received');
    } finally {
      await removePodSandbox(net.socket, podId);
    }
  });
});
