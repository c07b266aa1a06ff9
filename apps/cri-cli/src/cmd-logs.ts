import { type FileHandle, open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerState, type RuntimeServiceClient } from '@capstan/cri-api';
import { type Command, InvalidArgumentError as FlagError } from 'commander';
import { CliError } from './cli-errors.js';
import type { Io } from './cli-io.js';
import type { Session } from './cli-session.js';
import { parseDuration } from './config/cli-config.js';
import { IdResolver } from './id-resolve.js';
import { CriLogParser, type LogLine, renderLogLine } from './log-cri.js';

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

const POLL_MS = 200;

async function readNew(handle: FileHandle, from: number): Promise<Buffer> {
  const { size } = await handle.stat();
  if (size <= from) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - from);
  const { bytesRead } = await handle.read(buf, 0, buf.length, from);
  return buf.subarray(0, bytesRead);
}

function emit(io: Io, lines: readonly LogLine[], timestamps: boolean): void {
  for (const line of lines) {
    const text = renderLogLine(line, timestamps);
    if (line.stream === 'stderr') io.err(text);
    else io.out(text);
  }
}

/**
 * Follows a log file as the runtime appends to it, until the container stops running.
 * A rotated (new inode) or truncated file is read from its start, after what was left in
 * the old one.
 */
async function follow(
  path: string,
  start: { handle: FileHandle; pos: number; decoder: StringDecoder },
  running: () => Promise<boolean>,
  onText: (text: string) => void,
): Promise<void> {
  let { handle, pos } = start;
  const { decoder } = start;
  let ino = (await handle.stat()).ino;
  try {
    for (;;) {
      const fresh = await readNew(handle, pos);
      if (fresh.length > 0) {
        pos += fresh.length;
        onText(decoder.write(fresh));
        continue;
      }
      const now = await stat(path).catch(() => undefined);
      if (now && (now.ino !== ino || now.size < pos)) {
        await handle.close();
        handle = await open(path, 'r');
        ino = (await handle.stat()).ino;
        pos = 0;
        continue;
      }
      if (!(await running())) {
        const last = await readNew(handle, pos);
        onText(decoder.write(last) + decoder.end());
        return;
      }
      await sleep(POLL_MS);
    }
  } finally {
    await handle.close();
  }
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
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        throw new CliError(
          `log file ${path} of container ${container}: cannot read it (${(err as NodeJS.ErrnoException).code})`,
        );
      }
      const parser = new CriLogParser();
      const timestamps = !!opts.timestamps;
      const keep = (l: LogLine) => sinceMs === undefined || Date.parse(l.timestamp) >= sinceMs;
      let first: Buffer;
      try {
        first = await readNew(handle, 0);
      } catch (err) {
        await handle.close();
        throw err;
      }
      const decoder = new StringDecoder('utf8');
      // One decoder for the whole read, so a character split across reads stays whole.
      let lines = parser.push(decoder.write(first) + (opts.follow ? '' : decoder.end()));
      if (!opts.follow) lines.push(...parser.flush());
      lines = lines.filter(keep);
      if (opts.tail >= 0) lines = lines.slice(Math.max(0, lines.length - opts.tail));
      emit(session.io, lines, timestamps);
      if (!opts.follow) {
        await handle.close();
        return;
      }
      await follow(
        path,
        { handle, pos: first.length, decoder },
        () => isRunning(rt, containerId),
        (text) => emit(session.io, parser.push(text).filter(keep), timestamps),
      );
      emit(session.io, parser.flush().filter(keep), timestamps);
    });
}
