import type { Command } from 'commander';
import { CliError, ReportedFailure } from './cli-errors.js';
import type { Session } from './cli-session.js';
import { streamingExec } from './cmd-stream.js';
import { IdResolver } from './id-resolve.js';
import { nonNegativeInt } from './output-format.js';

interface ExecOptions {
  sync?: boolean;
  timeout: number;
  interactive?: boolean;
  tty?: boolean;
}

/**
 * `exec`: ExecSync, printing the command's stdout and stderr once it is done; with `-i`
 * or `-t`, a streaming Exec session (stdin, a TTY, output as it comes). Either way the exit
 * code is the command's.
 */
export function registerExecCommand(program: Command, session: Session): void {
  program
    .command('exec')
    .description(
      'Run a command in a running container (CRI ExecSync; with -i/-t, a streaming Exec)',
    )
    .argument('<container>', 'container ID or unique prefix')
    .argument('<command...>', 'command and arguments (put -- before them if they start with -)')
    .option(
      '-s, --sync',
      'run synchronously with ExecSync (the only mode; accepted for crictl scripts)',
    )
    .option(
      '--timeout <seconds>',
      'seconds the command may run; 0 means no limit',
      nonNegativeInt,
      0,
    )
    .option('-i, --interactive', 'send our stdin to the command (streaming Exec)')
    .option('-t, --tty', 'run the command on a terminal (streaming Exec; raw mode, resizes)')
    .passThroughOptions()
    .addHelpText(
      'after',
      '\nWithout -i/-t, output is printed once the command has finished (ExecSync). With them,\n' +
        "the session goes through the runtime's streaming server. The exit code is the command's.\n\n" +
        "Examples:\n  capstan-cri exec --timeout 10 3f2a1b -- sh -c 'echo hi; exit 3'\n" +
        '  capstan-cri exec -it 3f2a1b sh',
    )
    .action(async (container: string, command: string[], opts: ExecOptions) => {
      const cmd = command[0] === '--' ? command.slice(1) : command;
      if (cmd.length === 0) throw new CliError('exec: no command given');
      if (opts.interactive || opts.tty) {
        await streamingExec(session, container, cmd, opts);
        return;
      }
      const rt = await (await session.context()).runtime();
      const containerId = await new IdResolver(rt).container(container);
      const res = await rt.execSync({ containerId, cmd, timeout: BigInt(opts.timeout) });
      if (res.stdout.length > 0) session.io.out(res.stdout);
      if (res.stderr.length > 0) session.io.err(res.stderr);
      if (res.exitCode !== 0) throw new ReportedFailure(res.exitCode);
    });
}
