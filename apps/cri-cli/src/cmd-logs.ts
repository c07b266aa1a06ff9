import { ContainerState, type RuntimeServiceClient } from '@capstan/cri-api';
import { type CriLogEntry, isNotFound, readCriLog, renderCriLogEntry } from '@capstan/cri-log';
import { type Command, InvalidArgumentError as FlagError } from 'commander';
import { CliError } from './cli-errors.js';
import type { Io } from './cli-io.js';
import type { Session } from './cli-session.js';
import { parseDuration } from './config/cli-config.js';
import { IdResolver } from './id-resolve.js';

interface LogsOptions {
  follow?: boolean;
  tail: number;
  timestamps?: boolean;
  since?: string;
}

function parseTail(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < -1)
    throw new FlagError(`"${value}" is not a line count (-1 for all)`);
  return n;
}

/** `--since`: an RFC 3339 time or a duration back from now (`10s`, `5m`). */
export function parseSince(value: string, nowMs = Date.now()): number {
  const at = Date.parse(value);
  if (!Number.isNaN(at)) return at;
  try {
    return nowMs - parseDuration(value);
  } catch {
    throw new CliError(`--since "${value}" is neither an RFC 3339 time nor a duration like 10s`);
  }
}

function emit(io: Io, line: CriLogEntry, timestamps: boolean): void {
  const text = renderCriLogEntry(line, timestamps);
  if (line.stream === 'stderr') io.err(text);
  else io.out(text);
}

async function isRunning(rt: RuntimeServiceClient, containerId: string): Promise<boolean> {
  const res = await rt.containerStatus({ containerId, verbose: false }).catch(() => undefined);
  const state = res?.status?.state;
  return state === ContainerState.CONTAINER_RUNNING || state === ContainerState.CONTAINER_CREATED;
}

/** `logs`: reads the CRI log file at the container's log_path (the runtime's node only). */
export function registerLogsCommand(program: Command, session: Session): void {
  program
    .command('logs')
    .description("Print a container's logs from its CRI log file (on this node)")
    .argument('<container>', 'container ID or unique prefix')
    .option('-f, --follow', 'keep printing new lines until the container stops')
    .option('--tail <n>', 'only the last n lines (-1: all)', parseTail, -1)
    .option('-t, --timestamps', 'prefix each line with its timestamp')
    .option('--since <time>', 'only lines since an RFC 3339 time or a duration ago (10s, 5m)')
    .action(async (container: string, opts: LogsOptions) => {
      const sinceMs = opts.since === undefined ? undefined : parseSince(opts.since);
      const rt = await (await session.context()).runtime();
      const containerId = await new IdResolver(rt).container(container);
      const { status } = await rt.containerStatus({ containerId, verbose: false });
      const path = status?.logPath ?? '';
      if (path === '') {
        throw new CliError(
          `container ${container} has no log file: its pod sets no log_directory or it has no log_path`,
        );
      }
      // The format, tail, since and following across rotations are @capstan/cri-log's.
      const lines = readCriLog(path, {
        ...(opts.tail >= 0 ? { tailLines: opts.tail } : {}),
        ...(sinceMs !== undefined ? { since: new Date(sinceMs) } : {}),
        follow: !!opts.follow,
        until: async () => !(await isRunning(rt, containerId)),
      })[Symbol.asyncIterator]();
      let next: IteratorResult<CriLogEntry>;
      try {
        next = await lines.next();
      } catch (err) {
        const cause = isNotFound(err) ? (err as Error).cause : err;
        throw new CliError(
          `log file ${path} of container ${container}: cannot read it (${(cause as NodeJS.ErrnoException).code})`,
        );
      }
      const timestamps = !!opts.timestamps;
      while (!next.done) {
        emit(session.io, next.value, timestamps);
        next = await lines.next();
      }
    });
}
