import { type Container, ContainerState, ListContainersResponse } from '@capstan/cri-api';
import type { Command } from 'commander';
import { CliError } from './cli-errors.js';
import type { Session } from './cli-session.js';
import { IdResolver, resolveImage } from './id-resolve.js';
import { messageJson } from './message-json.js';
import {
  collectLabel,
  nonNegativeInt,
  type OutputFormat,
  outputFormat,
  printStructured,
  regex,
} from './output-format.js';
import { createdAgo, formatTable, truncateId } from './output-table.js';

const CONTAINER_COLUMNS = [
  'CONTAINER',
  'IMAGE',
  'CREATED',
  'STATE',
  'NAME',
  'ATTEMPT',
  'POD ID',
] as const;

const STATES: Record<string, ContainerState> = {
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

/** crictl's state words: Created, Running, Exited, Unknown. */
export function containerStateName(state: ContainerState): string {
  const word = Object.entries(STATES).find(([, s]) => s === state)?.[0] ?? 'unknown';
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function parseState(value: string): ContainerState {
  const state = STATES[value.toLowerCase().replace(/^container_/, '')];
  if (state === undefined)
    throw new CliError(`--state "${value}" is not created, running, exited or unknown`);
  return state;
}

/** One `ps` table row, as crictl prints it (image digests truncated like IDs). */
export function containerRow(c: Container, noTrunc: boolean, nowMs = Date.now()): string[] {
  const image = c.image?.image || c.imageRef;
  const short = (id: string) => (noTrunc ? id : truncateId(id));
  return [
    short(c.id),
    /^[a-z0-9]+:[0-9a-f]{32,}$/.test(image) ? short(image) : image,
    createdAgo(c.createdAt, nowMs),
    containerStateName(c.state),
    c.metadata?.name ?? '',
    String(c.metadata?.attempt ?? 0),
    short(c.podSandboxId),
  ];
}

interface PsOptions {
  all?: boolean;
  id?: string;
  pod?: string;
  state?: string;
  label?: Record<string, string>;
  name?: RegExp;
  image?: string;
  quiet?: boolean;
  output: OutputFormat;
  trunc: boolean;
  latest?: boolean;
  last?: number;
}

/** `ps`: list containers; only running ones unless -a or --state. */
export function registerPsCommand(program: Command, session: Session): void {
  program
    .command('ps')
    .description('List containers (running ones unless -a or --state; newest first)')
    .option('-a, --all', 'show all containers')
    .option('--id <id>', 'filter by container ID (a unique prefix works)')
    .option('-p, --pod <id>', 'filter by pod sandbox ID (a unique prefix works)')
    .option('-s, --state <state>', 'filter by state: created, running, exited or unknown')
    .option('--label <key=value>', 'filter by label (repeatable)', collectLabel)
    .option('--name <regex>', 'filter by container name (regular expression)', regex)
    .option('--image <image>', 'filter by image reference or ID')
    .option('-q, --quiet', 'only print container IDs')
    .option(
      '-o, --output <format>',
      'json, yaml or table',
      outputFormat(['json', 'yaml', 'table']),
      'table',
    )
    .option('--no-trunc', 'show full IDs')
    .option('-l, --latest', 'show only the most recently created container')
    .option('-n, --last <n>', 'show the n most recently created containers', nonNegativeInt)
    .action(async (opts: PsOptions) => {
      const ctx = await session.context();
      const rt = await ctx.runtime();
      const resolve = new IdResolver(rt);
      const id = opts.id ? await resolve.containerFilter(opts.id) : '';
      const podSandboxId = opts.pod ? await resolve.podFilter(opts.pod) : '';
      const state = opts.state
        ? parseState(opts.state)
        : opts.all || opts.latest || opts.last
          ? undefined
          : ContainerState.CONTAINER_RUNNING;
      const res = await rt.listContainers({
        filter: {
          id,
          podSandboxId,
          labelSelector: opts.label ?? {},
          ...(state === undefined ? {} : { state: { state } }),
        },
      });
      const imageId = opts.image
        ? (await resolveImage(await ctx.image(), opts.image)).id
        : undefined;
      let containers = res.containers
        .filter((c) => !opts.name || opts.name.test(c.metadata?.name ?? ''))
        .filter(
          (c) => imageId === undefined || c.imageRef === imageId || c.image?.image === imageId,
        )
        .sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1));
      const limit = opts.latest ? 1 : opts.last;
      if (limit !== undefined && limit > 0) containers = containers.slice(0, limit);
      if (opts.quiet) {
        session.io.out(containers.map((c) => `${c.id}\n`).join(''));
      } else if (opts.output !== 'table') {
        printStructured(
          session.io,
          opts.output,
          messageJson(ListContainersResponse, { containers }),
        );
      } else {
        session.io.out(
          formatTable(
            CONTAINER_COLUMNS,
            containers.map((c) => containerRow(c, !opts.trunc)),
          ),
        );
      }
    });
}
