import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { daemonEnv } from './daemon-process.js';
import { killAndWait } from './proc-kill.js';

const run = promisify(execFile);

/** Where `ip netns add` bind-mounts a named network namespace. */
export const NETNS_RUN_DIR = '/run/netns';

/** A named network namespace (`ip netns add`) with only `lo`, up. */
export interface NamedNetns {
  name: string;
  /** `/run/netns/<name>` (an nsfs bind mount). */
  path: string;
  /** The namespace's inode, as in `readlink /proc/<pid>/ns/net` = `net:[<inode>]`. */
  inode: number;
}

/** Creates `<prefix>-<8 hex>` with `ip netns add` and brings its `lo` up. */
export async function createNetns(prefix: string): Promise<NamedNetns> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await run('ip', ['netns', 'add', name]);
  const path = `${NETNS_RUN_DIR}/${name}`;
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return { name, path, inode: statSync(path).ino };
  } catch (err) {
    await run('ip', ['netns', 'delete', name]).catch(() => {});
    throw err;
  }
}

/** PIDs of live processes (other than ours) whose network namespace has this inode. */
export function processesInNetns(inode: number): number[] {
  const want = `net:[${inode}]`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/net`) === want) out.push(Number(name));
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return out;
}

/**
 * SIGKILLs whatever still runs inside the namespace (everything in a namespace we created
 * is ours), then `ip netns delete`: with no process and no mount left holding it, the
 * kernel frees the namespace and every device in it (bridge, veths).
 */
export async function deleteNetns(ns: NamedNetns): Promise<void> {
  await killAndWait(processesInNetns(ns.inode), { first: 'SIGKILL' });
  await run('ip', ['netns', 'delete', ns.name]);
}

/** True while `ip netns list` shows the name. */
export async function netnsListed(name: string): Promise<boolean> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout.split('\n').some((line) => line.split(' ')[0] === name);
}

/** The outcome of a command run inside a namespace. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when the command was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ExecInNetnsOptions {
  /** SIGKILL the command after this long (default 30 s); the result then has `signal`. */
  timeoutMs?: number;
  /** Written to the command's stdin (which is otherwise closed). */
  input?: string | Buffer;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * Runs `argv` inside the named namespace with `ip netns exec` (which execs: the child PID
 * is the command's; it also gets a private mount namespace with the netns's own /sys, so
 * keep such commands short-lived). Never rejects for a non-zero exit: the caller reads
 * `code`. Proxy variables are dropped: only the namespace's own addresses are reachable.
 */
export function execInNetns(
  name: string,
  argv: readonly string[],
  opts: ExecInNetnsOptions = {},
): Promise<ExecResult> {
  if (argv.length === 0) return Promise.reject(new Error('execInNetns: empty argv'));
  const env = daemonEnv(opts.env);
  for (const k of Object.keys(env)) if (/^(https?|ftp|all)_proxy$/i.test(k)) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', name, ...argv], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        code,
        signal,
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  });
}
