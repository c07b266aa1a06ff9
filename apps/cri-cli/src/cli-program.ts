import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { formatError, ReportedFailure } from './cli-errors.js';
import type { Io } from './cli-io.js';
import { Session } from './cli-session.js';
import { registerContainerCommands } from './cmd-container.js';
import { registerExecCommand } from './cmd-exec.js';
import { registerImageCommands } from './cmd-image.js';
import { registerLogsCommand } from './cmd-logs.js';
import { registerPodCommands } from './cmd-pod.js';
import { registerPsCommand } from './cmd-ps.js';
import { registerRuntimeCommands } from './cmd-runtime.js';
import { registerStatsCommand } from './cmd-stats.js';
import { registerStreamCommands } from './cmd-stream.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_ENDPOINT, type GlobalFlags } from './config/cli-config.js';

/** Every command, in the order `--help` lists them. */
const COMMANDS = [
  registerRuntimeCommands,
  registerPodCommands,
  registerContainerCommands,
  registerPsCommand,
  registerExecCommand,
  registerStreamCommands,
  registerLogsCommand,
  registerStatsCommand,
  registerImageCommands,
];

/** Builds the `capstan-cri` program: global flags as crictl spells them, then the commands. */
export function createCli(io: Io, env: NodeJS.ProcessEnv): { program: Command; session: Session } {
  const program = new Command('capstan-cri');
  const session = new Session(io, () => program.opts<GlobalFlags>(), env);
  program
    .description(
      'A crictl-compatible client for any CRI runtime (containerd, CRI-O, Capstan runtimes)',
    )
    .version(pkg.version, '-v, --version', 'print the capstan-cri version')
    // Global flags go before the command, as with crictl; then `logs -t` and `stop -t`
    // are their own flags, and `exec` passes everything after the container through.
    .enablePositionalOptions()
    .option(
      '-r, --runtime-endpoint <endpoint>',
      `CRI runtime endpoint [env CONTAINER_RUNTIME_ENDPOINT] (default ${DEFAULT_ENDPOINT})`,
    )
    .option(
      '-i, --image-endpoint <endpoint>',
      'CRI image endpoint [env IMAGE_SERVICE_ENDPOINT] (default: the runtime endpoint)',
    )
    .option(
      '-t, --timeout <duration>',
      'connection timeout and deadline of quick calls, e.g. 2s, 500ms (default 2s)',
    )
    .option('-D, --debug', 'print every CRI request and response on stderr')
    .option(
      '-c, --config <file>',
      `crictl config file [env CRI_CONFIG_FILE] (default ${DEFAULT_CONFIG_FILE})`,
    )
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) =>
        write(
          `capstan-cri: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()}\n`,
        ),
    })
    .exitOverride()
    .showSuggestionAfterError(true);
  for (const register of COMMANDS) register(program, session);
  return { program, session };
}

/** Runs one command line (without node and script) and returns the exit code. */
export async function runCli(
  args: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { program, session } = createCli(io, env);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander already printed its message (or the help) through configureOutput.
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ReportedFailure) return err.code;
    io.err(`${formatError(err)}\n`);
    return 1;
  } finally {
    await session.close();
  }
}
