import { DeadlineExceededError, type DeepPartial, type ExecSyncResponse } from '@capstan/cri-api';
import { CappedSink, EXEC_OUTPUT_CAP, processTree } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { fromDocker } from './docker-errors.js';

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
