import { setTimeout as sleep } from 'node:timers/promises';
import { type ContainerStats, ListContainerStatsResponse } from '@capstan/cri-api';
import { type Command, InvalidArgumentError as FlagError } from 'commander';
import type { Session } from './cli-session.js';
import { IdResolver } from './id-resolve.js';
import { messageJson } from './message-json.js';
import { collectLabel, type OutputFormat, outputFormat, printStructured } from './output-format.js';
import { formatTable, humanSize, truncateId } from './output-table.js';

const STATS_COLUMNS = ['CONTAINER', 'NAME', 'CPU %', 'MEM', 'DISK', 'INODES'] as const;

/**
 * One `stats` row. CPU % is the CPU time used between two samples over the time between
 * them (crictl's way); without an earlier sample, the runtime's usage_nano_cores.
 */
export function statsRow(
  s: ContainerStats,
  before: ContainerStats | undefined,
  noTrunc: boolean,
): string[] {
  const id = s.attributes?.id ?? '';
  const cpu = s.cpu?.usageCoreNanoSeconds?.value ?? 0n;
  let percent = 0;
  const prevCpu = before?.cpu?.usageCoreNanoSeconds?.value;
  const elapsed = (s.cpu?.timestamp ?? 0n) - (before?.cpu?.timestamp ?? 0n);
  if (before && prevCpu !== undefined && cpu !== 0n && elapsed > 0n) {
    percent = (Number(cpu - prevCpu) / Number(elapsed)) * 100;
  } else if (s.cpu?.usageNanoCores) {
    percent = Number(s.cpu.usageNanoCores.value) / 1e7;
  }
  return [
    noTrunc ? id : truncateId(id),
    s.attributes?.metadata?.name ?? '',
    percent.toFixed(2),
    humanSize(s.memory?.workingSetBytes?.value ?? 0n),
    humanSize(s.writableLayer?.usedBytes?.value ?? 0n),
    String(s.writableLayer?.inodesUsed?.value ?? 0n),
  ];
}

interface StatsOptions {
  all?: boolean;
  id?: string;
  pod?: string;
  label?: Record<string, string>;
  output: OutputFormat;
  seconds: number;
  trunc: boolean;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new FlagError(`"${value}" is not a positive number of seconds`);
  return n;
}

/** `stats`: container resource usage (running containers unless -a). */
export function registerStatsCommand(program: Command, session: Session): void {
  program
    .command('stats')
    .description('List container resource usage (running containers unless -a)')
    .argument('[id]', 'container ID or unique prefix')
    .option('-a, --all', 'include containers that are not running')
    .option('--id <id>', 'filter by container ID (a unique prefix works)')
    .option('-p, --pod <id>', 'filter by pod sandbox ID (a unique prefix works)')
    .option('--label <key=value>', 'filter by label (repeatable)', collectLabel)
    .option(
      '-o, --output <format>',
      'json, yaml or table',
      outputFormat(['json', 'yaml', 'table']),
      'table',
    )
    .option('-s, --seconds <n>', 'seconds between the two samples CPU % is taken from', seconds, 1)
    .option('--no-trunc', 'show full IDs')
    .action(async (positional: string | undefined, opts: StatsOptions) => {
      const rt = await (await session.context()).runtime();
      const resolve = new IdResolver(rt);
      const filter = {
        id: positional
          ? await resolve.container(positional)
          : opts.id
            ? await resolve.containerFilter(opts.id)
            : '',
        podSandboxId: opts.pod ? await resolve.podFilter(opts.pod) : '',
        labelSelector: opts.label ?? {},
      };
      const sample = async () => (await rt.listContainerStats({ filter })).stats;
      const shown = (s: ContainerStats) =>
        opts.all ||
        (s.cpu?.usageCoreNanoSeconds?.value ?? 0n) !== 0n ||
        (s.memory?.workingSetBytes?.value ?? 0n) !== 0n;
      if (opts.output !== 'table') {
        const stats = (await sample()).filter(shown);
        printStructured(
          session.io,
          opts.output,
          messageJson(ListContainerStatsResponse, { stats }),
        );
        return;
      }
      const first = new Map((await sample()).map((s) => [s.attributes?.id ?? '', s]));
      await sleep(opts.seconds * 1000);
      const rows = (await sample())
        .filter(shown)
        .map((s) => statsRow(s, first.get(s.attributes?.id ?? ''), !opts.trunc));
      session.io.out(formatTable(STATS_COLUMNS, rows));
    });
}
