import {
  ListPodSandboxResponse,
  type PodSandbox,
  PodSandboxConfig,
  PodSandboxState,
  PodSandboxStatus,
} from '@capstan/cri-api';
import type { Command } from 'commander';
import { CliError } from './cli-errors.js';
import { forEachArg, type Session } from './cli-session.js';
import { IdResolver } from './id-resolve.js';
import { messageJson } from './message-json.js';
import {
  collectLabel,
  nonNegativeInt,
  type OutputFormat,
  outputFormat,
  printStructured,
  regex,
  statusWithInfo,
} from './output-format.js';
import { createdAgo, formatTable, truncateId } from './output-table.js';
import { loadSpec } from './spec-load.js';

const POD_COLUMNS = ['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT'] as const;

const podState = (s: PodSandboxState) =>
  s === PodSandboxState.SANDBOX_READY
    ? 'Ready'
    : s === PodSandboxState.SANDBOX_NOTREADY
      ? 'NotReady'
      : 'Unknown';

/** One `pods` table row, as crictl prints it. */
export function podRow(p: PodSandbox, noTrunc: boolean, nowMs = Date.now()): string[] {
  return [
    noTrunc ? p.id : truncateId(p.id),
    createdAgo(p.createdAt, nowMs),
    podState(p.state),
    p.metadata?.name ?? '',
    p.metadata?.namespace ?? '',
    String(p.metadata?.attempt ?? 0),
  ];
}

function parsePodState(value: string): PodSandboxState {
  const v = value.toLowerCase();
  if (v === 'ready' || v === 'sandbox_ready') return PodSandboxState.SANDBOX_READY;
  if (v === 'notready' || v === 'sandbox_notready') return PodSandboxState.SANDBOX_NOTREADY;
  throw new CliError(`--state "${value}" is not ready or notready`);
}

interface PodsOptions {
  id?: string;
  name?: RegExp;
  namespace?: RegExp;
  state?: string;
  label?: Record<string, string>;
  quiet?: boolean;
  output: OutputFormat;
  trunc: boolean;
  latest?: boolean;
  last?: number;
}

/** `runp`, `pods`, `inspectp`, `stopp`, `rmp`. */
export function registerPodCommands(program: Command, session: Session): void {
  program
    .command('runp')
    .description('Run a new pod sandbox from a pod config file (JSON or YAML, crictl field names)')
    .argument('<pod-config>', 'pod sandbox config file')
    .option('-r, --runtime <handler>', 'runtime handler to use (default: the runtime default)')
    .action(async (file: string, opts: { runtime?: string }) => {
      const config = await loadSpec(file, PodSandboxConfig, 'pod config');
      const rt = await (await session.context()).runtime();
      const res = await rt.runPodSandbox({ config, runtimeHandler: opts.runtime ?? '' });
      session.io.out(`${res.podSandboxId}\n`);
    });

  program
    .command('pods')
    .description('List pod sandboxes (newest first)')
    .option('--id <id>', 'filter by pod sandbox ID (a unique prefix works)')
    .option('--name <regex>', 'filter by pod name (regular expression)', regex)
    .option('--namespace <regex>', 'filter by pod namespace (regular expression)', regex)
    .option('-s, --state <state>', 'filter by state: ready or notready')
    .option('--label <key=value>', 'filter by label (repeatable)', collectLabel)
    .option('-q, --quiet', 'only print pod sandbox IDs')
    .option(
      '-o, --output <format>',
      'json, yaml or table',
      outputFormat(['json', 'yaml', 'table']),
      'table',
    )
    .option('--no-trunc', 'show full IDs')
    .option('-l, --latest', 'show only the most recently created pod')
    .option('-n, --last <n>', 'show the n most recently created pods', nonNegativeInt)
    .action(async (opts: PodsOptions) => {
      const rt = await (await session.context()).runtime();
      const id = opts.id ? await new IdResolver(rt).podFilter(opts.id) : '';
      const res = await rt.listPodSandbox({
        filter: {
          id,
          labelSelector: opts.label ?? {},
          ...(opts.state ? { state: { state: parsePodState(opts.state) } } : {}),
        },
      });
      let items = res.items
        .filter((p) => !opts.name || opts.name.test(p.metadata?.name ?? ''))
        .filter((p) => !opts.namespace || opts.namespace.test(p.metadata?.namespace ?? ''))
        .sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1));
      const limit = opts.latest ? 1 : opts.last;
      if (limit !== undefined && limit > 0) items = items.slice(0, limit);
      if (opts.quiet) {
        session.io.out(items.map((p) => `${p.id}\n`).join(''));
      } else if (opts.output !== 'table') {
        printStructured(session.io, opts.output, messageJson(ListPodSandboxResponse, { items }));
      } else {
        session.io.out(
          formatTable(
            POD_COLUMNS,
            items.map((p) => podRow(p, !opts.trunc)),
          ),
        );
      }
    });

  program
    .command('inspectp')
    .description('Display the status of one or more pod sandboxes (verbose PodSandboxStatus)')
    .argument('<ids...>', 'pod sandbox IDs or unique prefixes')
    .option('-o, --output <format>', 'json or yaml', outputFormat(['json', 'yaml']), 'json')
    .option('-q, --quiet', 'only the status, without the verbose info')
    .action(async (ids: string[], opts: { output: OutputFormat; quiet?: boolean }) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      await forEachArg(session.io, ids, async (given) => {
        const podSandboxId = await resolve.pod(given);
        const res = await rt.podSandboxStatus({ podSandboxId, verbose: !opts.quiet });
        const status = res.status ? messageJson(PodSandboxStatus, res.status) : {};
        printStructured(session.io, opts.output, statusWithInfo(status, res.info));
      });
    });

  program
    .command('stopp')
    .description('Stop one or more running pod sandboxes')
    .argument('<ids...>', 'pod sandbox IDs or unique prefixes')
    .action(async (ids: string[]) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      await forEachArg(session.io, ids, async (given) => {
        const podSandboxId = await resolve.pod(given);
        await rt.stopPodSandbox({ podSandboxId });
        session.io.out(`Stopped sandbox ${given}\n`);
      });
    });

  program
    .command('rmp')
    .description('Remove one or more pod sandboxes')
    .argument('[ids...]', 'pod sandbox IDs or unique prefixes')
    .option('-f, --force', 'stop the pod sandbox first if it is running')
    .option('-a, --all', 'remove all pod sandboxes')
    .action(async (ids: string[], opts: { force?: boolean; all?: boolean }) => {
      if (!opts.all && ids.length === 0) throw new CliError('rmp: give pod sandbox IDs or --all');
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      const targets = opts.all ? (await rt.listPodSandbox({})).items.map((p) => p.id) : ids;
      await forEachArg(session.io, targets, async (given) => {
        const podSandboxId = await resolve.pod(given);
        const { status } = await rt.podSandboxStatus({ podSandboxId, verbose: false });
        if (status?.state === PodSandboxState.SANDBOX_READY) {
          if (!opts.force)
            throw new CliError(
              `pod sandbox ${given} is ready: stop it first with stopp or use rmp -f`,
            );
          await rt.stopPodSandbox({ podSandboxId });
        }
        await rt.removePodSandbox({ podSandboxId });
        session.io.out(`Removed sandbox ${given}\n`);
      });
    });
}
