import {
  ContainerConfig,
  ContainerState,
  ContainerStatus,
  PodSandboxConfig,
} from '@capstan/cri-api';
import type { Command } from 'commander';
import { CliError } from './cli-errors.js';
import { forEachArg, type Session } from './cli-session.js';
import { type AuthFlags, authFrom } from './cmd-image.js';
import { IdResolver } from './id-resolve.js';
import { messageJson } from './message-json.js';
import {
  nonNegativeInt,
  type OutputFormat,
  outputFormat,
  printStructured,
  statusWithInfo,
} from './output-format.js';
import { loadSpec } from './spec-load.js';

interface CreateOptions extends AuthFlags {
  pull: boolean;
  withPull?: boolean;
}

/** `create`, `start`, `stop`, `rm`, `inspect`. */
export function registerContainerCommands(program: Command, session: Session): void {
  program
    .command('create')
    .description('Create a new container in a pod sandbox')
    .argument('<pod-id>', 'pod sandbox ID or unique prefix')
    .argument('<container-config>', 'container config file (JSON or YAML, crictl field names)')
    .argument('<pod-config>', 'the pod config file the sandbox was run with')
    .option('--no-pull', 'do not pull the image first (overrides pull-image-on-create)')
    .option('--with-pull', 'pull the image first (overrides pull-image-on-create)')
    .option('--creds <user:password>', 'registry credentials for the pull')
    .option('--auth <base64>', 'base64 of user:password for the pull')
    .action(async (podId: string, containerFile: string, podFile: string, opts: CreateOptions) => {
      const config = await loadSpec(containerFile, ContainerConfig, 'container config');
      const sandboxConfig = await loadSpec(podFile, PodSandboxConfig, 'pod config');
      const ctx = await session.context();
      const rt = await ctx.runtime();
      const podSandboxId = await new IdResolver(rt).pod(podId);
      const pull = opts.withPull || (ctx.config.pullImageOnCreate && opts.pull);
      if (pull) {
        const ref = config.image?.image ?? '';
        if (ref === '')
          throw new CliError(`container config ${containerFile}: "image.image" is empty`);
        const auth = authFrom(opts);
        await (await ctx.image()).pullImage({
          image: { image: ref },
          sandboxConfig,
          ...(auth ? { auth } : {}),
        });
      }
      const res = await rt.createContainer({ podSandboxId, config, sandboxConfig });
      session.io.out(`${res.containerId}\n`);
    });

  program
    .command('start')
    .description('Start one or more created containers')
    .argument('<ids...>', 'container IDs or unique prefixes')
    .action(async (ids: string[]) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      await forEachArg(session.io, ids, async (given) => {
        await rt.startContainer({ containerId: await resolve.container(given) });
        session.io.out(`${given}\n`);
      });
    });

  program
    .command('stop')
    .description('Stop one or more running containers')
    .argument('<ids...>', 'container IDs or unique prefixes')
    .option(
      '-t, --timeout <seconds>',
      'seconds to wait before killing the container',
      nonNegativeInt,
      0,
    )
    .action(async (ids: string[], opts: { timeout: number }) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      await forEachArg(session.io, ids, async (given) => {
        await rt.stopContainer({
          containerId: await resolve.container(given),
          timeout: opts.timeout,
        });
        session.io.out(`${given}\n`);
      });
    });

  program
    .command('rm')
    .description('Remove one or more containers')
    .argument('[ids...]', 'container IDs or unique prefixes')
    .option('-f, --force', 'stop the container first if it is running')
    .option('-a, --all', 'remove all containers')
    .action(async (ids: string[], opts: { force?: boolean; all?: boolean }) => {
      if (!opts.all && ids.length === 0) throw new CliError('rm: give container IDs or --all');
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      const listed = opts.all ? (await rt.listContainers({})).containers : undefined;
      const targets = listed ? listed.map((c) => c.id) : ids;
      await forEachArg(session.io, targets, async (given) => {
        const containerId = await resolve.container(given);
        // Like crictl: a running container is only removed with --force, stopped first
        // (the CRI lets RemoveContainer kill it, which would surprise an operator).
        const { status } = await rt.containerStatus({ containerId, verbose: false });
        if (status?.state === ContainerState.CONTAINER_RUNNING) {
          if (!opts.force)
            throw new CliError(`container ${given} is running: stop it first or use rm -f`);
          await rt.stopContainer({ containerId, timeout: 0 });
        }
        await rt.removeContainer({ containerId });
        session.io.out(`${given}\n`);
      });
    });

  program
    .command('inspect')
    .description('Display the status of one or more containers (verbose ContainerStatus)')
    .argument('<ids...>', 'container IDs or unique prefixes')
    .option('-o, --output <format>', 'json or yaml', outputFormat(['json', 'yaml']), 'json')
    .option('-q, --quiet', 'only the status, without the verbose info')
    .action(async (ids: string[], opts: { output: OutputFormat; quiet?: boolean }) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      await forEachArg(session.io, ids, async (given) => {
        const containerId = await resolve.container(given);
        const res = await rt.containerStatus({ containerId, verbose: !opts.quiet });
        const status = res.status ? messageJson(ContainerStatus, res.status) : {};
        printStructured(session.io, opts.output, statusWithInfo(status, res.info));
      });
    });
}
