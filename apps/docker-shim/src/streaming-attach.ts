import type { Duplex } from 'node:stream';
import type { StreamIO } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { fromDocker } from './docker-errors.js';
import { aborted, followResizes, forwardInput, forwardOutput } from './streaming-io.js';

/**
 * Streaming Attach over Docker attach: a hijacked stream to the container's main process
 * (output from now on, no logs), the client's terminal sizes applied to the container's
 * terminal (container resize). Ends when the container's output ends (it exited, or Docker
 * closed the attach after the client's input ended), or when the client goes away: then
 * only the attach is dropped, the container keeps running. `containerTty` is how the
 * container was created: Docker's stream is raw with a terminal, multiplexed without.
 */
export async function streamAttach(
  docker: Docker,
  dockerId: string,
  containerTty: boolean,
  io: StreamIO,
): Promise<void> {
  const container = docker.getContainer(dockerId);
  let stream: Duplex;
  try {
    stream = (await container.attach({
      stream: true,
      logs: false,
      stdin: io.stdin !== undefined,
      stdout: io.stdout !== undefined,
      stderr: io.stderr !== undefined,
      hijack: true,
    })) as unknown as Duplex;
  } catch (err) {
    throw fromDocker(err, `Attach to ${dockerId.slice(0, 12)}`);
  }
  stream.on('error', () => {});
  try {
    const sized =
      io.tty && containerTty
        ? followResizes(io.resize, (s) => container.resize({ h: s.height, w: s.width }))
        : Promise.resolve();
    forwardInput(stream, io, sized);
    await Promise.race([forwardOutput(stream, io, containerTty), aborted(io.signal)]);
  } finally {
    if (io.stdin) io.stdin.unpipe(stream);
    stream.destroy();
  }
}
