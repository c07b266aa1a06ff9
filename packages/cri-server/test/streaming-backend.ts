import type { Duplex } from 'node:stream';
import type { ContainerRecord, ExecExit, SandboxRecord, StreamIO } from '../src/index.js';
import { MemoryBackend } from './memory-backend.js';

// The in-memory backend plus a toy implementation of the optional streaming methods, for
// the server's own streaming logic (validation, URLs, re-checks when a URL is used).
// Commands are toys, not processes:
//   echo <words...>   the words on stdout          fail <code>  "failed" on stderr, exit <code>
//   cat               stdin to stdout until it ends   wait       until the client goes away
//   tty               "tty <w>x<h>" for the terminal size, then stdin to stdout
// Attach echoes stdin to stdout as "<container name>: <line>"; a port-forward says which
// sandbox and port it reached, then echoes.

function until(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function pipeToEnd(io: StreamIO, map: (d: Buffer) => string = (d) => d.toString()) {
  return new Promise<void>((resolve) => {
    if (!io.stdin) return resolve();
    io.stdin.on('data', (d: Buffer) => io.stdout?.write(map(d)));
    io.stdin.once('end', () => resolve());
    io.stdin.once('close', () => resolve());
    void until(io.signal).then(resolve);
  });
}

export class StreamingMemoryBackend extends MemoryBackend {
  /** What each streaming call got: `exec <full container id> <cmd...>` and friends. */
  readonly sessions: string[] = [];
  /** Sessions whose signal was aborted (the client went away). */
  aborted = 0;

  async exec(container: ContainerRecord, cmd: readonly string[], io: StreamIO): Promise<ExecExit> {
    this.sessions.push(`exec ${container.id} ${cmd.join(' ')}`);
    io.signal.addEventListener('abort', () => this.aborted++, { once: true });
    const [name, ...args] = cmd;
    switch (name) {
      case 'echo':
        io.stdout?.write(`${args.join(' ')}\n`);
        return { exitCode: 0 };
      case 'fail':
        io.stderr?.write('failed\n');
        return { exitCode: Number(args[0]) };
      case 'cat':
        await pipeToEnd(io);
        return { exitCode: 0 };
      case 'wait':
        await until(io.signal);
        return { exitCode: 137 };
      case 'tty': {
        for await (const size of io.resize ?? []) {
          io.stdout?.write(`tty ${size.width}x${size.height}\r\n`);
          break;
        }
        await pipeToEnd(io);
        return { exitCode: 0 };
      }
      default:
        throw new Error(`toy: unknown command ${name}`);
    }
  }

  async attach(container: ContainerRecord, io: StreamIO): Promise<void> {
    this.sessions.push(`attach ${container.id}`);
    const name = container.config.metadata?.name;
    await pipeToEnd(io, (d) => `${name}: ${d}`);
  }

  async portForward(
    sandbox: SandboxRecord,
    port: number,
    stream: Duplex,
    signal: AbortSignal,
  ): Promise<void> {
    this.sessions.push(`portForward ${sandbox.id} ${port}`);
    stream.write(`${sandbox.config.metadata?.name}:${port}\n`);
    stream.pipe(stream);
    await Promise.race([
      until(signal),
      new Promise((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
      }),
    ]);
  }
}
