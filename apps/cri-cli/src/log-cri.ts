/** One logical log line: P(artial) chunks joined up to their F(ull) chunk. */
export interface LogLine {
  /** RFC 3339 timestamp of the line's first chunk, as written by the runtime. */
  timestamp: string;
  stream: 'stdout' | 'stderr';
  /** Without the trailing newline. */
  content: string;
  /** False only for a partial line flushed at the end of a file. */
  complete: boolean;
}

const LINE = /^(\S+) (stdout|stderr) (\S+)(?: (.*))?$/s;

/**
 * Parses the CRI container log format (`<RFC3339Nano> <stream> <tags> <content>`, tags
 * `P` for a partial chunk and `F` for the last one) from chunks of bytes as they are read.
 * Partial chunks are joined per stream; text after the last newline waits for the next
 * push. Lines that are not in the format are skipped.
 */
export class CriLogParser {
  private rest = '';
  private readonly pending = new Map<'stdout' | 'stderr', { timestamp: string; parts: string[] }>();

  push(chunk: string): LogLine[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: LogLine[] = [];
    for (const line of lines) {
      const m = LINE.exec(line);
      if (!m) continue;
      const [, timestamp, stream, tags, content = ''] = m as unknown as [
        string,
        string,
        'stdout' | 'stderr',
        string,
        string?,
      ];
      const partial = tags.split(':')[0] === 'P';
      const held = this.pending.get(stream);
      if (partial) {
        if (held) held.parts.push(content);
        else this.pending.set(stream, { timestamp, parts: [content] });
        continue;
      }
      this.pending.delete(stream);
      out.push({
        timestamp: held?.timestamp ?? timestamp,
        stream,
        content: held ? [...held.parts, content].join('') : content,
        complete: true,
      });
    }
    return out;
  }

  /** Partial lines still waiting for their F chunk (a writer that stopped mid-line). */
  flush(): LogLine[] {
    const out = [...this.pending.entries()].map(([stream, held]) => ({
      timestamp: held.timestamp,
      stream,
      content: held.parts.join(''),
      complete: false,
    }));
    this.pending.clear();
    return out;
  }
}

/** `line` as `logs` prints it: with its timestamp if asked, a newline unless partial. */
export function renderLogLine(line: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${line.timestamp} ` : ''}${line.content}${line.complete ? '\n' : ''}`;
}
