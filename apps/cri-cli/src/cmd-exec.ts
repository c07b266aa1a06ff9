import type { Command } from 'commander';
import { CliError, ReportedFailure } from './cli-errors.js';
import type { Session } from './cli-session.js';
import { IdResolver } from './id-resolve.js';
import { nonNegativeInt } from './output-format.js';

interface ExecOptions {
  sync?: boolean;
  timeout: number;
  interactive?: boolean;
  tty?: boolean;
}

/** `exec`: ExecSync; prints the command's stdout and stderr and exits with its code. */
export function registerExecCommand(program: Command, session: Session): void {
  program
    .command('exec')
    .description('Run a command in a running container and wait for it (CRI ExecSync)')
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
    .option('-i, --interactive', 'not supported yet: needs CRI streaming')
    .option('-t, --tty', 'not supported yet: needs CRI streaming')
    .passThroughOptions()
    .addHelpText(
      'after',
      "\nOutput is printed once the command has finished; the exit code is the command's.\n" +
        'Interactive exec (-i/-t, stdin, TTYs) goes through the CRI streaming server and is not\n' +
        'supported until packages/streaming exists.\n\n' +
        "Example:\n  capstan-cri exec --timeout 10 3f2a1b -- sh -c 'echo hi; exit 3'",
    )
    .action(async (container: string, command: string[], opts: ExecOptions) => {
      if (opts.interactive || opts.tty) {
        throw new CliError(
          'interactive exec (-i/-t) needs CRI streaming, which capstan-cri does not support yet; run without -i/-t for ExecSync',
        );
      }
      const cmd = command[0] === '--' ? command.slice(1) : command;
      if (cmd.length === 0) throw new CliError('exec: no command given');
      const rt = await (await session.context()).runtime();
      const containerId = await new IdResolver(rt).container(container);
      const res = await rt.execSync({ containerId, cmd, timeout: BigInt(opts.timeout) });
      if (res.stdout.length > 0) session.io.out(res.stdout);
      if (res.stderr.length > 0) session.io.err(res.stderr);
      if (res.exitCode !== 0) throw new ReportedFailure(res.exitCode);
    });
}
