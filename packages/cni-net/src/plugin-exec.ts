import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type PluginCall,
  PluginCancelledError,
  PluginError,
  PluginNotFoundError,
  PluginOutputError,
  PluginTimeoutError,
} from './errors.js';

/** Finds a plugin binary: the first executable regular file `<dir>/<type>` on the paths. */
export async function findPlugin(type: string, dirs: readonly string[]): Promise<string> {
  for (const dir of dirs) {
    const path = join(dir, type);
    try {
      await access(path, constants.X_OK);
      if ((await stat(path)).isFile()) return path;
    } catch {
      // not here
    }
  }
  throw new PluginNotFoundError(type, dirs);
}

/** One plugin invocation. */
export interface PluginInvocation {
  call: PluginCall;
  /** Absolute path of the binary. */
  path: string;
  /** The CNI_* variables; added to the driver's own environment (plugins need PATH). */
  env: Record<string, string>;
  stdin: string;
  timeoutMs: number;
  /** Run the plugin inside this network namespace (a path), via `nsenter --net=`. */
  netnsPath?: string | undefined;
  signal?: AbortSignal | undefined;
}

const MAX_OUTPUT = 16 * 1024 * 1024;
const CNI_ENV = [
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
];

/**
 * Runs a plugin and returns its stdout on success. The plugin gets its own process
 * group, so a timeout or abort kills it and anything it started (IPAM plugins,
 * iptables). A non-zero exit becomes {@link PluginError} when stdout holds a CNI error
 * object, {@link PluginOutputError} otherwise.
 */
export function execPlugin(inv: PluginInvocation): Promise<string> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of CNI_ENV) delete env[k];
  Object.assign(env, inv.env);
  const [file, args] = inv.netnsPath
    ? ['nsenter', [`--net=${inv.netnsPath}`, '--', inv.path]]
    : [inv.path, [] as string[]];
  return new Promise((resolve, reject) => {
    if (inv.signal?.aborted) {
      reject(new PluginCancelledError(inv.call, { cause: inv.signal.reason }));
      return;
    }
    const child = spawn(file, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let ended: Error | undefined;
    let settled = false;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const finish = (e: Error | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      inv.signal?.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve(value ?? '');
    };
    const stop = (e: Error) => {
      ended = e;
      killGroup();
      // Do not wait for pipes a daemonized grandchild might hold open.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const onAbort = () => stop(new PluginCancelledError(inv.call, { cause: inv.signal?.reason }));
    const timer = setTimeout(
      () => stop(new PluginTimeoutError(inv.call, inv.timeoutMs)),
      inv.timeoutMs,
    );
    inv.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outLen += d.length;
      if (outLen <= MAX_OUTPUT) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      errLen += d.length;
      if (errLen <= MAX_OUTPUT) err.push(d);
    });
    child.stdin.on('error', () => {}); // a plugin that exits without reading stdin
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') finish(e);
      else if (inv.netnsPath)
        finish(
          new Error(`cannot run nsenter to enter ${inv.netnsPath}: ${e.message}`, { cause: e }),
        );
      else finish(new PluginNotFoundError(inv.call.plugin, [inv.path]));
    });
    child.on('close', (code, signal) => {
      if (ended) {
        finish(ended);
        return;
      }
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        finish(undefined, stdout);
        return;
      }
      finish(pluginFailure(inv.call, stdout, { exitCode: code, signal, stdout, stderr }));
    });
    child.stdin.end(inv.stdin);
  });
}

function pluginFailure(
  call: PluginCall,
  stdout: string,
  out: { exitCode: number | null; signal: string | null; stdout: string; stderr: string },
): Error {
  const how = out.signal ? `was killed by ${out.signal}` : `exited with status ${out.exitCode}`;
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    const what = stdout.trim() ? 'printed no CNI error object' : 'printed nothing';
    return new PluginOutputError(call, `${how} and ${what}`, out);
  }
  if (typeof doc === 'object' && doc !== null && 'code' in doc && typeof doc.code === 'number') {
    const d = doc as { code: number; msg?: unknown; details?: unknown };
    const msg = typeof d.msg === 'string' ? d.msg : '';
    const details = typeof d.details === 'string' && d.details !== '' ? d.details : undefined;
    return new PluginError(call, d.code, msg, details);
  }
  return new PluginOutputError(call, `${how} and printed JSON that is not a CNI error object`, out);
}

/** Parses a successful plugin's stdout as JSON, or throws {@link PluginOutputError}. */
export function parsePluginJson(call: PluginCall, stdout: string, stderr = ''): unknown {
  try {
    return JSON.parse(stdout);
  } catch (err) {
    const snippet = stdout.trim().slice(0, 80);
    return fail(
      call,
      `printed output that is not JSON: ${JSON.stringify(snippet)}`,
      stdout,
      stderr,
      err,
    );
  }
}

function fail(
  call: PluginCall,
  problem: string,
  stdout: string,
  stderr: string,
  cause: unknown,
): never {
  throw new PluginOutputError(
    call,
    problem,
    { exitCode: 0, signal: null, stdout, stderr },
    { cause },
  );
}
