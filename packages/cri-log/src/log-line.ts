import { MalformedLogLineError } from './errors.js';
import { type EpochNanos, formatRfc3339Nano, parseRfc3339Nano } from './log-time.js';

/** The two streams a CRI log line can come from. */
export type CriLogStream = 'stdout' | 'stderr';

/** The tag of a line that is a piece of a longer line (more of it follows). */
export const TAG_PARTIAL = 'P';
/** The tag of a line that ends a logical line (its newline is implied). */
export const TAG_FULL = 'F';

/**
 * One line of a CRI log file, as written: `<timestamp> <stream> <tags> <content>\n`.
 * `tags` is the `:`-separated tag list; only its first element has a meaning today
 * (`P` partial, `F` full) and the rest is kept as read.
 */
export interface CriLogRecord {
  /** The timestamp as written (RFC3339Nano). */
  timestamp: string;
  /** The same time in nanoseconds since the epoch. */
  time: EpochNanos;
  stream: CriLogStream;
  tags: readonly string[];
  /** The first tag is `P`: the content continues on the stream's next line. */
  partial: boolean;
  /** The content, without the newline that ends the line. */
  content: Buffer;
}

const SPACE = 0x20;

/**
 * Parses one line of a CRI log file (without its trailing `\n`), as the kubelet does
 * (`parseCRILog`): a timestamp that must be RFC3339Nano, a stream that must be stdout or
 * stderr, a non-empty tag list of which only the first element counts (`P` means partial,
 * `F` or any tag unknown today means full: unknown extra tags like `F:x` are tolerated), then
 * the content. A line that ends right after its tags has empty content.
 *
 * @throws MalformedLogLineError naming the first field that is wrong.
 */
export function parseCriLogLine(line: Buffer | string): CriLogRecord {
  const buf = typeof line === 'string' ? Buffer.from(line) : line;
  const show = () => buf.subarray(0, 240).toString('utf8');
  const tsEnd = buf.indexOf(SPACE);
  if (tsEnd <= 0) throw new MalformedLogLineError('no-timestamp', show(), 'no timestamp field');
  const timestamp = buf.toString('latin1', 0, tsEnd);
  const time = parseRfc3339Nano(timestamp);
  if (time === undefined)
    throw new MalformedLogLineError('bad-timestamp', show(), `"${timestamp}" is not RFC3339Nano`);
  const streamEnd = buf.indexOf(SPACE, tsEnd + 1);
  if (streamEnd < 0) throw new MalformedLogLineError('no-stream', show(), 'no stream field');
  const stream = buf.toString('latin1', tsEnd + 1, streamEnd);
  if (stream !== 'stdout' && stream !== 'stderr')
    throw new MalformedLogLineError(
      'bad-stream',
      show(),
      `stream "${stream}" is not stdout or stderr`,
    );
  let tagsEnd = buf.indexOf(SPACE, streamEnd + 1);
  if (tagsEnd < 0) tagsEnd = buf.length;
  if (tagsEnd === streamEnd + 1)
    throw new MalformedLogLineError('no-tags', show(), 'no tags field');
  const tags = buf.toString('utf8', streamEnd + 1, tagsEnd).split(':');
  return {
    timestamp,
    time,
    stream,
    tags,
    partial: tags[0] === TAG_PARTIAL,
    content: buf.subarray(Math.min(tagsEnd + 1, buf.length)),
  };
}

/** What {@link formatCriLogLines} writes: one message of one stream. */
export interface CriLogMessage {
  /** RFC3339Nano text as another source wrote it, or nanoseconds since the epoch. */
  timestamp: string | EpochNanos;
  stream: CriLogStream;
  /** The text without a trailing newline. */
  content: string | Buffer;
  /** No newline ended it: more of the same line follows (tag `P`). */
  partial: boolean;
}

/**
 * Formats one message as CRI log lines. A newline inside `content` ends a full line there
 * (so the file can never hold a line the reader would split differently); the last piece
 * carries the message's own `partial` flag.
 *
 * @throws MalformedLogLineError when `timestamp` is a string that is not RFC3339Nano or the
 *   stream is not stdout/stderr.
 */
export function formatCriLogLines(m: CriLogMessage): Buffer {
  const ts = typeof m.timestamp === 'bigint' ? formatRfc3339Nano(m.timestamp) : m.timestamp;
  if (typeof m.timestamp === 'string' && parseRfc3339Nano(ts) === undefined)
    throw new MalformedLogLineError('bad-timestamp', ts, `"${ts}" is not RFC3339Nano`);
  if (m.stream !== 'stdout' && m.stream !== 'stderr')
    throw new MalformedLogLineError(
      'bad-stream',
      String(m.stream),
      'stream is not stdout or stderr',
    );
  const content = typeof m.content === 'string' ? Buffer.from(m.content) : m.content;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = content.indexOf(0x0a, at);
    const last = nl < 0;
    // A newline at the very end ended the line: nothing follows it.
    if (last && at > 0 && at === content.length) break;
    const tag = last && m.partial ? TAG_PARTIAL : TAG_FULL;
    out.push(
      Buffer.from(`${ts} ${m.stream} ${tag} `),
      content.subarray(at, last ? content.length : nl),
    );
    out.push(NEWLINE);
    if (last) break;
    at = nl + 1;
  }
  return Buffer.concat(out);
}

const NEWLINE = Buffer.from('\n');
