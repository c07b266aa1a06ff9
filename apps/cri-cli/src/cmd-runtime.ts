import { RuntimeStatus, VersionResponse } from '@capstan/cri-api';
import type { Command } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import type { Session } from './cli-session.js';
import { messageJson } from './message-json.js';
import {
  type OutputFormat,
  outputFormat,
  printStructured,
  statusWithInfo,
} from './output-format.js';

/** `version` and `info`: who the runtime is and how it is doing. */
export function registerRuntimeCommands(program: Command, session: Session): void {
  program
    .command('version')
    .description('Display runtime version information')
    .option(
      '-o, --output <format>',
      'json, yaml or table',
      outputFormat(['json', 'yaml', 'table']),
      'table',
    )
    .action(async (opts: { output: OutputFormat }) => {
      const rt = await (await session.context()).runtime();
      const v = await rt.version({ version: 'v1' });
      if (opts.output !== 'table') {
        printStructured(session.io, opts.output, messageJson(VersionResponse, v));
        return;
      }
      session.io.out(
        `Version:  ${pkg.version}\nRuntimeName:  ${v.runtimeName}\n` +
          `RuntimeVersion:  ${v.runtimeVersion}\nRuntimeApiVersion:  ${v.runtimeApiVersion}\n`,
      );
    });

  program
    .command('info')
    .description('Display information of the container runtime (verbose Status)')
    .option('-o, --output <format>', 'json or yaml', outputFormat(['json', 'yaml']), 'json')
    .option('-q, --quiet', 'only the status conditions, without the verbose info')
    .action(async (opts: { output: OutputFormat; quiet?: boolean }) => {
      const rt = await (await session.context()).runtime();
      const res = await rt.status({ verbose: !opts.quiet });
      const status = res.status ? messageJson(RuntimeStatus, res.status) : {};
      printStructured(session.io, opts.output, statusWithInfo(status, res.info));
    });
}
