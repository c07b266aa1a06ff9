import { readdirSync, readFileSync } from 'node:fs';
import { DeadlineExceededError, type DeepPartial, type ExecSyncResponse } from '@capstan/cri-api';
import type Docker from 'dockerode';
import { fromDocker } from './docker-errors.js';

/** Per stream: stdout and stderr together stay under the kubelet's 16 MiB message limit. */
export const EXEC_OUTPUT_CAP = 4 * 1024 * 1024;

/** Appends to a buffer list up to a cap; what goes past it is dropped (and counted). */
class CappedSink {
  readonly chunks: Buffer[] = [];
  size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(b: Buffer) {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.dropped += b.length;
      return;
    }
    const part = b.length > room ? b.subarray(0, room) : b;
    this.dropped += b.length - part.length;
    this.chunks.push(part);
    this.size += part.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The PID and every descendant (from /proc), so a timed-out `sh -c` takes its children along. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** SIGKILLs an exec'd process and its descendants by host PID (the container is left alone). */
export async function killExec(exec: Docker.Exec): Promise<void> {
  const info = await exec.inspect().catch(() => undefined);
  if (!info?.Running || !(info.Pid > 0)) return;
  for (const pid of processTree(info.Pid).reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * The exit code of an exec whose output ended: Docker flips `Running` a moment after the
 * streams close, so inspect until it did (at most `waitMs`; then null: still running).
 */
export async function execExitCode(exec: Docker.Exec, waitMs = 500): Promise<number | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    const info = await exec.inspect().catch((err: unknown) => {
      throw fromDocker(err, 'inspecting the exec');
    });
    if (!info.Running) return info.ExitCode ?? 0;
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * ExecSync over Docker exec: runs `cmd` in the container (its user, env and working dir),
 * collects stdout and stderr (each capped at {@link EXEC_OUTPUT_CAP}) and the exit code.
 * With a timeout, the exec'd process (by its host PID) and its children are SIGKILLed when
 * it passes and DEADLINE_EXCEEDED is thrown; the container itself is left alone.
 */
export async function execSync(
  docker: Docker,
  dockerId: string,
  cmd: string[],
  timeoutSec: number,
): Promise<DeepPartial<ExecSyncResponse>> {
  const container = docker.getContainer(dockerId);
  let exec: Docker.Exec;
  try {
    exec = await container.exec({
      Cmd: cmd,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: false,
      Tty: false,
    });
  } catch (err) {
    throw fromDocker(err, `ExecSync in ${dockerId.slice(0, 12)}`);
  }
  const stdout = new CappedSink(EXEC_OUTPUT_CAP);
  const stderr = new CappedSink(EXEC_OUTPUT_CAP);
  let stream: NodeJS.ReadWriteStream;
  try {
    stream = (await exec.start({
      hijack: true,
      stdin: false,
    })) as unknown as NodeJS.ReadWriteStream;
  } catch (err) {
    throw fromDocker(err, `ExecSync in ${dockerId.slice(0, 12)}`);
  }
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let at = 0;
      while (at + 8 <= buf.length) {
        const len = buf.readUInt32BE(at + 4);
        if (at + 8 + len > buf.length) break;
        (buf[at] === 2 ? stderr : stdout).push(buf.subarray(at + 8, at + 8 + len));
        at += 8 + len;
      }
      buf = buf.subarray(at);
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', (err) => (timedOut ? resolve() : reject(err)));
    if (timeoutSec > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        void killExec(exec).finally(() => (stream as unknown as { destroy(): void }).destroy());
      }, timeoutSec * 1000);
    }
  }).finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new DeadlineExceededError(
      `ExecSync ${JSON.stringify(cmd)} in container ${dockerId.slice(0, 12)} timed out after ${timeoutSec} s`,
    );
  }
  const exitCode = (await execExitCode(exec)) ?? 0;
  return { stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode };
}
