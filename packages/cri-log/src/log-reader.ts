import { type FileHandle, open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvalidLogOptionError,
  LogFileNotFoundError,
  type MalformedLogLineError,
} from './errors.js';
import { CriLogDecoder, type CriLogEntry } from './log-decoder.js';
import type { CriLogStream } from './log-line.js';
import { rotatedCriLogs } from './log-rotation.js';
import { type EpochNanos, fixedRfc3339Nano, toEpochNanos } from './log-time.js';
import type { CriLogLogger } from './logger.js';

/** Options of {@link readCriLog}: the kubelet's log options, for one CRI log file. */
export interface ReadCriLogOptions {
  /** Only lines at or after this time (a line's time is that of its first piece). */
  since?: Date | EpochNanos;
  /**
   * Only the last N logical lines of what the file holds when reading starts (after the
   * `since` and `stream` filters; partial pieces joined count as one). 0: none. Default all.
   */
  tailLines?: number;
  /** Only one stream's lines. Default both. */
  stream?: CriLogStream | 'all';
  /**
   * Stop after this many bytes of output as {@link renderCriLogEntry} renders it (with
   * `timestamps`): the entry that crosses the limit is cut, at a UTF-8 character boundary.
   */
  limitBytes?: number;
  /** Whether `limitBytes` counts a timestamp prefix per line. Default false. */
  timestamps?: boolean;
  /**
   * Keep reading as the file grows, across rotations (the file renamed and a new one made
   * at `path`) and truncation, until `signal` aborts or `until()` says the writer is done.
   */
  follow?: boolean;
  /** In follow mode: asked whenever the file has no new bytes; true ends reading (after a last drain). */
  until?: () => boolean | Promise<boolean>;
  /** Ends reading (follow or not) without an error. */
  signal?: AbortSignal;
  /** How often a followed file is checked for growth and rotation. Default 200 ms. */
  pollIntervalMs?: number;
  /** Raw line size limit; see {@link CriLogDecoderOptions.maxLineBytes}. */
  maxLineBytes?: number;
  /** Malformed lines are skipped; each is reported here (or to `logger.warn`). */
  onMalformed?: (err: MalformedLogLineError) => void;
  logger?: CriLogLogger;
}

const CHUNK = 64 * 1024;

/**
 * `entry` as `kubectl logs` prints it: the timestamp if asked (as the kubelet writes it:
 * nine fraction digits, see {@link fixedRfc3339Nano}), a newline unless incomplete.
 */
export function renderCriLogEntry(entry: CriLogEntry, timestamps = false): string {
  const stamp = timestamps ? `${fixedRfc3339Nano(entry.timestamp)} ` : '';
  return `${stamp}${entry.content}${entry.complete ? '\n' : ''}`;
}

/**
 * Reads a CRI log file as logical lines (see {@link CriLogDecoder}), with the kubelet's
 * options; in `follow` mode it goes on across rotation without losing or repeating a line:
 * when a new file appears at `path`, the old one (still open) is drained to its end first.
 * The file is read in 64 KiB chunks, so memory stays bounded by the tail kept and one line.
 *
 * @throws LogFileNotFoundError when `path` does not exist; InvalidLogOptionError for an
 *   option out of range (checked before the file is opened).
 */
export async function* readCriLog(
  path: string,
  opts: ReadCriLogOptions = {},
): AsyncGenerator<CriLogEntry, void, undefined> {
  const tail = checkCount('tailLines', opts.tailLines);
  let budget = checkCount('limitBytes', opts.limitBytes) ?? Number.POSITIVE_INFINITY;
  const poll = checkCount('pollIntervalMs', opts.pollIntervalMs) ?? 200;
  const streamOpt = opts.stream ?? 'all';
  if (streamOpt !== 'all' && streamOpt !== 'stdout' && streamOpt !== 'stderr')
    throw new InvalidLogOptionError('stream', streamOpt, 'stdout, stderr or all');
  if (opts.limitBytes === 0) return;
  const since = opts.since === undefined ? undefined : toEpochNanos(opts.since);
  const onMalformed =
    opts.onMalformed ??
    ((err: MalformedLogLineError) =>
      opts.logger?.warn(
        { path, reason: err.reason, line: err.line },
        'skipped a malformed CRI log line',
      ));
  const decoder = new CriLogDecoder({
    onMalformed,
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
  });
  const keep = (e: CriLogEntry) =>
    (since === undefined || e.time >= since) && (streamOpt === 'all' || e.stream === streamOpt);
  /** Applies limitBytes; undefined once the budget is spent. */
  const limit = (e: CriLogEntry): CriLogEntry | undefined => {
    if (budget <= 0) return undefined;
    const size = Buffer.byteLength(renderCriLogEntry(e, opts.timestamps));
    if (size <= budget) {
      budget -= size;
      return e;
    }
    const prefix = opts.timestamps ? Buffer.byteLength(fixedRfc3339Nano(e.timestamp)) + 1 : 0;
    const content = utf8Prefix(e.content, Math.max(0, budget - prefix));
    budget = 0;
    return { ...e, content, complete: false };
  };

  let file = await openLog(path);
  /** The open file's next bytes; the unfinished line of a file truncated meanwhile is dropped. */
  const read = async () => {
    const chunk = await file.read();
    if (file.restarted) {
      file.restarted = false;
      decoder.endOfFile();
    }
    return chunk;
  };
  try {
    // What the file holds now: through a ring of `tail` entries when tailing.
    const ring: CriLogEntry[] = [];
    const first: CriLogEntry[] = [];
    const collect = (entries: CriLogEntry[]) => {
      for (const e of entries) {
        if (!keep(e)) continue;
        if (tail === undefined) first.push(e);
        else if (tail > 0) {
          ring.push(e);
          if (ring.length > tail) ring.shift();
        }
      }
    };
    // Up to the size the file had when opened: a writer faster than this reader cannot
    // hold the first lines back.
    const initialSize = await file.size();
    while (file.position < initialSize) {
      const chunk = await read();
      if (chunk.length === 0) break;
      collect(decoder.push(chunk));
      if (tail === undefined) {
        for (const e of first.splice(0)) {
          const out = limit(e);
          if (!out) return;
          yield out;
        }
      }
    }
    if (!opts.follow) collect(decoder.flush());
    for (const e of tail === undefined ? first : ring) {
      const out = limit(e);
      if (!out) return;
      yield out;
    }
    if (!opts.follow) return;

    // Follow: new bytes of the open file; a new file at `path` after the old one's end.
    for (;;) {
      if (opts.signal?.aborted) return;
      const chunk = await read();
      let entries: CriLogEntry[] = [];
      if (chunk.length > 0) entries = decoder.push(chunk);
      else {
        const next = await file.successor();
        if (next) {
          decoder.endOfFile();
          await file.close();
          file = next;
          continue;
        }
        if (opts.until && (await opts.until())) {
          entries = await drainAll();
          entries.push(...decoder.flush());
        } else {
          try {
            await sleep(poll, undefined, opts.signal ? { signal: opts.signal } : {});
          } catch {
            return; // aborted
          }
          continue;
        }
      }
      for (const e of entries) {
        if (!keep(e)) continue;
        const out = limit(e);
        if (!out) return;
        yield out;
      }
      if (chunk.length === 0) return; // `until` said done and everything is out
    }

    /** The rest of the open file and of any file that replaced it. */
    async function drainAll(): Promise<CriLogEntry[]> {
      const out: CriLogEntry[] = [];
      for (;;) {
        const chunk = await read();
        if (chunk.length > 0) {
          out.push(...decoder.push(chunk));
          continue;
        }
        const next = await file.successor();
        if (!next) return out;
        decoder.endOfFile();
        await file.close();
        file = next;
      }
    }
  } finally {
    await file.close();
  }
}

/** An open log file and the read position in it. */
class LogCursor {
  #pos = 0;
  // `path` is the live log's path, also when this cursor reads one of its rotated files.
  /** Set when the file was truncated under the cursor and reading started over at 0. */
  restarted = false;
  constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly ino: number,
  ) {}

  get position(): number {
    return this.#pos;
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  /** The next bytes (empty at the end). A file truncated under the cursor is read from 0. */
  async read(): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await this.handle.read(buf, 0, CHUNK, this.#pos);
    if (bytesRead === 0) {
      const { size } = await this.handle.stat();
      if (size < this.#pos) {
        this.#pos = 0; // truncated in place (copytruncate): start over
        this.restarted = true;
        return this.read();
      }
    }
    this.#pos += bytesRead;
    return buf.subarray(0, bytesRead);
  }

  /**
   * The file that came after this one, opened, once this one was rotated away; undefined
   * while `path` is still this file (or missing). Called at this file's end: the runtime
   * makes the new file only after it stopped writing this one, so this one is complete.
   * When several rotations happened since the last look, the successor is the next in
   * `<path>.<stamp>` order, not the live file, so no rotated file is skipped.
   */
  async successor(): Promise<LogCursor | undefined> {
    const now = await stat(this.path).catch(() => undefined);
    if (!now || now.ino === this.ino) return undefined;
    // Anything written here between our last read and the switch is read before leaving.
    if ((await this.handle.stat()).size > this.#pos) return undefined;
    // A rename may happen at any point here: take the live file's inode first, then the
    // rotated files (whose names are stable), and check that what was opened is what was
    // meant; try again when a rotation got in between.
    for (let attempt = 0; attempt < 10; attempt++) {
      const live = await stat(this.path).catch(() => undefined);
      if (!live) return undefined;
      const rotated = await rotatedCriLogs(this.path);
      const seq = await Promise.all(
        rotated.map(async (file) => ({
          file,
          ino: await stat(file).then(
            (x) => x.ino,
            () => -1,
          ),
        })),
      );
      if (!seq.some((f) => f.ino === live.ino)) seq.push({ file: this.path, ino: live.ino });
      const at = seq.findIndex((f) => f.ino === this.ino);
      // Not found: this file was pruned; the live one is all that is left to read.
      const want = at < 0 ? seq.at(-1) : seq[at + 1];
      if (!want) continue; // this file was renamed after the live inode was taken
      const cursor = await openLog(this.path, want.file).catch(() => undefined);
      if (cursor?.ino === want.ino) return cursor;
      await cursor?.close();
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }
}

/** Opens `file` (default: the log at `path`) for a reader following the log at `path`. */
async function openLog(path: string, file = path): Promise<LogCursor> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new LogFileNotFoundError(file, { cause: err });
    throw err;
  }
  return new LogCursor(path, handle, (await handle.stat()).ino);
}

function checkCount(option: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidLogOptionError(option, value, 'a whole number >= 0');
  return value;
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes that ends on a character. */
function utf8Prefix(s: string, max: number): string {
  const buf = Buffer.from(s);
  if (buf.length <= max) return s;
  let cut = max;
  while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return buf.subarray(0, cut).toString('utf8');
}
