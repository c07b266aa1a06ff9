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
        void exec
          .inspect()
          .then((info) => {
            if (info.Pid > 0) {
              for (const pid of processTree(info.Pid).reverse()) {
                try {
                  process.kill(pid, 'SIGKILL');
                } catch {
                  // exited meanwhile
                }
              }
            }
          })
          .catch(() => {})
          .finally(() => (stream as unknown as { destroy(): void }).destroy());
      }, timeoutSec * 1000);
    }
  }).finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new DeadlineExceededError(
      `ExecSync ${JSON.stringify(cmd)} in container ${dockerId.slice(0, 12)} timed out after ${timeoutSec} s`,
    );
  }
  let exitCode = 0;
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect().catch((err: unknown) => {
      throw fromDocker(err, 'ExecSync: inspecting the exec');
    });
    if (!info.Running) {
      exitCode = info.ExitCode ?? 0;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode };
}
