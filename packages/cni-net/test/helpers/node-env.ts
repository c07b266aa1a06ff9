import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CniDriver,
  type CniDriverOptions,
  NetnsManager,
  type NetworkNamespace,
} from '../../src/index.js';

const run = promisify(execFile);

/** Every namespace this package's tests create starts with this (another suite uses capstan-node-). */
export const NS_PREFIX = 'cninet-';

/**
 * A private "node" for one test: its own network namespace (where the plugins run, so the
 * bridge, host-side veths, iptables rules live there) and a temp dir (cache, host-local
 * store, config dir). Pod namespaces are separate namespaces made here. `cleanup()`
 * removes every process, namespace and file it made, whatever state the test left.
 */
export class NodeEnv {
  readonly id = randomBytes(4).toString('hex');
  readonly netns = new NetnsManager();
  readonly pods: NetworkNamespace[] = [];
  readonly processes: ChildProcess[] = [];
  node!: NetworkNamespace;
  tmp!: string;

  get cacheDir(): string {
    return join(this.tmp, 'cache');
  }
  get ipamDir(): string {
    return join(this.tmp, 'ipam');
  }
  get confDir(): string {
    return join(this.tmp, 'net.d');
  }

  static async create(): Promise<NodeEnv> {
    const env = new NodeEnv();
    try {
      env.tmp = await mkdtemp(join(tmpdir(), `${NS_PREFIX}${env.id}-`));
      env.node = await env.netns.create(`${NS_PREFIX}node-${env.id}`);
      await env.inNode('ip', ['link', 'set', 'lo', 'up']);
    } catch (err) {
      await env.cleanup().catch(() => {});
      throw err;
    }
    return env;
  }

  /** A driver whose plugins run in this node's namespace, with a private cache. */
  driver(options: CniDriverOptions = {}): CniDriver {
    return new CniDriver({
      pluginDirs: ['/usr/lib/cni'],
      cacheDir: this.cacheDir,
      pluginNetns: this.node.path,
      ...options,
    });
  }

  /** A new pod namespace, tracked for cleanup. */
  async pod(tag: string | number): Promise<NetworkNamespace> {
    const ns = await this.netns.create(`${NS_PREFIX}pod-${this.id}-${tag}`);
    this.pods.push(ns);
    return ns;
  }

  /** Runs a command inside a namespace (by path); resolves with stdout. */
  async exec(nsPath: string, cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
    const { stdout } = await run('nsenter', [`--net=${nsPath}`, '--', cmd, ...args], {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    return stdout;
  }

  inNode(cmd: string, args: string[]): Promise<string> {
    return this.exec(this.node.path, cmd, args);
  }

  /** Starts a long-running command inside a namespace; killed (by PID) at cleanup. */
  start(nsPath: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('nsenter', [`--net=${nsPath}`, '--', cmd, ...args], { stdio: 'ignore' });
    this.processes.push(child);
    return child;
  }

  /** Links in the node namespace, by name. */
  async nodeLinks(): Promise<string[]> {
    const out = await this.inNode('ip', ['-o', 'link', 'show']);
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => (l.split(':')[1] ?? '').trim().split('@')[0] ?? '');
  }

  /** The IPs host-local holds for a network (its store's per-address files). */
  async allocatedIps(network: string): Promise<string[]> {
    try {
      const names = await readdir(join(this.ipamDir, network));
      return names.filter((n) => /^[0-9a-f.:]+$/.test(n) && (n.includes('.') || n.includes(':')));
    } catch {
      return [];
    }
  }

  async cleanup(): Promise<void> {
    for (const p of this.processes) {
      if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    const errors: unknown[] = [];
    for (const ns of [...this.pods, ...(this.node ? [this.node] : [])]) {
      await ns.delete().catch((e: unknown) => errors.push(e));
    }
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'cleanup left namespaces behind');
  }

  /** Namespaces of this env still present (should be none after cleanup). */
  async leftovers(): Promise<string[]> {
    return (await this.netns.list()).map((n) => n.name).filter((n) => n.includes(this.id));
  }
}
