import type { Duplex } from 'node:stream';
import type { ExecExit, StreamIO } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { fromDocker } from './docker-errors.js';
import { execExitCode, killExec } from './exec-sync.js';
import { followResizes, forwardInput, forwardOutput } from './streaming-io.js';

/**
 * Streaming Exec over Docker exec: create the exec with the session's streams (and a TTY),
 * start it hijacked, apply the client's terminal sizes (exec resize), pipe input and output,
 * and read the exit code from exec inspect once the output ended. When the client goes
 * away, the exec'd process and its children are SIGKILLed by host PID (Docker has no
 * "kill exec"; the container is left alone), as containerd kills an exec whose stream ends.
 */
export async function streamExec(
  docker: Docker,
  dockerId: string,
  cmd: readonly string[],
  io: StreamIO,
): Promise<ExecExit> {
  const where = `Exec ${JSON.stringify(cmd)} in ${dockerId.slice(0, 12)}`;
  let exec: Docker.Exec;
  try {
    exec = await docker.getContainer(dockerId).exec({
      Cmd: [...cmd],
      AttachStdin: io.stdin !== undefined,
      AttachStdout: io.stdout !== undefined,
      AttachStderr: io.stderr !== undefined,
      Tty: io.tty,
    });
  } catch (err) {
    throw fromDocker(err, where);
  }
  if (io.signal.aborted) return { exitCode: 137 };
  let stream: Duplex;
  try {
    stream = (await exec.start({
      hijack: true,
      stdin: io.stdin !== undefined,
      Tty: io.tty,
    })) as unknown as Duplex;
  } catch (err) {
    throw fromDocker(err, where);
  }
  stream.on('error', () => {}); // a cut connection ends the session; forwardOutput sees it
  const onAbort = () => void killExec(exec).finally(() => stream.destroy());
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const sized = io.tty
      ? followResizes(io.resize, (s) => exec.resize({ h: s.height, w: s.width }))
      : Promise.resolve();
    forwardInput(stream, io, sized);
    await forwardOutput(stream, io, io.tty);
    if (io.stdin) io.stdin.unpipe(stream);
    stream.destroy();
    // The output ended; the process has exited or is about to (or it closed its output and
    // lives on: wait for it, as containerd does, until it exits or the client goes away).
    for (let delay = 10; !io.signal.aborted; delay = Math.min(delay * 2, 500)) {
      const exitCode = await execExitCode(exec, 0);
      if (exitCode !== null) return { exitCode };
      await new Promise((r) => setTimeout(r, delay));
    }
    return { exitCode: 137 };
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    if (io.stdin) io.stdin.unpipe(stream);
    stream.destroy();
  }
}
