import { createServer, type Socket } from 'node:net';
import { openPortForward, openRemoteCommand, type RemoteCommandSession } from '@capstan/streaming';
import type { Command } from 'commander';
import { CliError, ReportedFailure } from './cli-errors.js';
import type { Session } from './cli-session.js';
import { IdResolver } from './id-resolve.js';

/** Where an interactive session reads and writes: the process's own streams. */
export interface TerminalIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const processTerminal: TerminalIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
};

/**
 * Runs an exec or attach session from the runtime's streaming URL to its end, as crictl
 * does: our stdin to the container (raw when it is a terminal and a TTY was asked for),
 * its output to ours, terminal resizes passed on; resolves with the command's exit code.
 */
export async function runStreamSession(
  url: string,
  opts: { stdin: boolean; tty: boolean },
  term: TerminalIo = processTerminal,
): Promise<number> {
  const size = () =>
    term.stdout.isTTY ? { width: term.stdout.columns, height: term.stdout.rows } : undefined;
  const initial = opts.tty ? size() : undefined;
  let session: RemoteCommandSession;
  try {
    session = await openRemoteCommand(url, {
      stdin: opts.stdin,
      stdout: true,
      stderr: !opts.tty,
      tty: opts.tty,
      ...(initial ? { initialSize: initial } : {}),
    });
  } catch (err) {
    throw new CliError(`connecting to the streaming server ${url}: ${(err as Error).message}`);
  }
  const raw = opts.tty && opts.stdin && term.stdin.isTTY;
  if (raw) term.stdin.setRawMode(true);
  const onResize = () => {
    const s = size();
    if (s) session.resize(s);
  };
  if (opts.tty) term.stdout.on('resize', onResize);
  try {
    if (opts.stdin && session.stdin) {
      term.stdin.pipe(session.stdin);
    }
    session.stdout?.pipe(term.stdout, { end: false });
    session.stderr?.pipe(term.stderr, { end: false });
    const outcome = await session.done;
    if (outcome.exitCode === null) {
      throw new CliError(outcome.error ?? 'the session ended without an exit code');
    }
    return outcome.exitCode;
  } finally {
    if (opts.stdin && session.stdin) term.stdin.unpipe(session.stdin);
    term.stdin.pause();
    if (raw) term.stdin.setRawMode(false);
    term.stdout.off('resize', onResize);
    session.close();
  }
}

/** `exec -i/-t`: crictl's streaming exec; throws ReportedFailure with a non-zero exit code. */
export async function streamingExec(
  session: Session,
  container: string,
  cmd: string[],
  opts: { interactive?: boolean; tty?: boolean },
): Promise<void> {
  const rt = await (await session.context()).runtime();
  const containerId = await new IdResolver(rt).container(container);
  const tty = opts.tty ?? false;
  const stdin = opts.interactive ?? false;
  const { url } = await rt.exec({ containerId, cmd, tty, stdin, stdout: true, stderr: !tty });
  const code = await runStreamSession(url, { stdin, tty });
  if (code !== 0) throw new ReportedFailure(code);
}

/** `attach` and `port-forward`: sessions through the runtime's streaming server. */
export function registerStreamCommands(program: Command, session: Session): void {
  program
    .command('attach')
    .description("Attach to a running container's input and output (CRI Attach)")
    .argument('<container>', 'container ID or unique prefix')
    .option('-i, --stdin', "send our stdin to the container's stdin")
    .option('-t, --tty', 'the container has a TTY (as created with tty: true)')
    .addHelpText(
      'after',
      '\nCtrl-C ends the session, not the container.\n\nExample:\n  capstan-cri attach -i 3f2a1b',
    )
    .action(async (container: string, opts: { stdin?: boolean; tty?: boolean }) => {
      const rt = await (await session.context()).runtime();
      const containerId = await new IdResolver(rt).container(container);
      const tty = opts.tty ?? false;
      const stdin = opts.stdin ?? false;
      const { url } = await rt.attach({ containerId, stdin, tty, stdout: true, stderr: !tty });
      const code = await runStreamSession(url, { stdin, tty });
      if (code !== 0) throw new ReportedFailure(code);
    });

  program
    .command('port-forward')
    .description('Forward local ports to ports of a pod (CRI PortForward)')
    .argument('<pod>', 'pod sandbox ID or unique prefix')
    .argument('<ports...>', '[LOCAL_PORT:]REMOTE_PORT, one or more (LOCAL 0: any free port)')
    .option('--address <ip>', 'local address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      '\nPrints "Forwarding from <address>:<local> -> <remote>" per port, then serves until\n' +
        'interrupted. Each local connection is one stream of the session.\n\n' +
        'Example:\n  capstan-cri port-forward 9c1d 8080:80',
    )
    .action(async (pod: string, specs: string[], opts: { address: string }) => {
      const pairs = specs.map(parsePortPair);
      const rt = await (await session.context()).runtime();
      const podSandboxId = await new IdResolver(rt).pod(pod);
      const { url } = await rt.portForward({
        podSandboxId,
        port: pairs.map((p) => p.remote),
      });
      const forward = await openPortForward(url).catch((err: unknown) => {
        throw new CliError(`connecting to the streaming server ${url}: ${(err as Error).message}`);
      });
      const servers = await Promise.all(
        pairs.map(
          ({ local, remote }) =>
            new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
              const server = createServer((socket: Socket) => {
                forward.connect(remote).then(
                  (stream) => {
                    stream.on('error', (err) => {
                      session.io.err(`port-forward ${remote}: ${err.message}\n`);
                      socket.destroy();
                    });
                    socket.on('error', () => stream.destroy());
                    socket.pipe(stream).pipe(socket);
                  },
                  (err: unknown) => {
                    session.io.err(`port-forward ${remote}: ${(err as Error).message}\n`);
                    socket.destroy();
                  },
                );
              });
              server.once('error', (err) =>
                reject(new CliError(`listening on ${opts.address}:${local}: ${err.message}`)),
              );
              server.listen(local, opts.address, () => {
                const addr = server.address();
                const port = typeof addr === 'object' && addr ? addr.port : local;
                session.io.out(`Forwarding from ${opts.address}:${port} -> ${remote}\n`);
                resolve(server);
              });
            }),
        ),
      ).catch((err: unknown) => {
        forward.close();
        throw err;
      });
      const stop = () => forward.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await forward.closed;
      for (const s of servers) s.close();
    });
}

/** `8080`, `8080:80`, `0:80`. */
export function parsePortPair(spec: string): { local: number; remote: number } {
  const m = /^(?:(\d{1,5}):)?(\d{1,5})$/.exec(spec);
  const local = Number(m?.[1] ?? m?.[2]);
  const remote = Number(m?.[2]);
  if (!m || remote < 1 || remote > 65_535 || local < 0 || local > 65_535) {
    throw new CliError(`port-forward: ${JSON.stringify(spec)} is not [LOCAL_PORT:]REMOTE_PORT`);
  }
  return { local, remote };
}
