import { open, stat } from 'node:fs/promises';

/** One decoded CRI log line. */
export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

const LINE = /^(\S+) (stdout|stderr) (P|F) (.*)$/;

/** Decodes CRI log text, joining partial (`P`) pieces into whole lines. */
export function decodeCriLog(
  text: string,
  carry: { partial: string } = { partial: '' },
): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw);
    if (!m) continue;
    if (m[3] === 'P') {
      carry.partial += m[4];
      continue;
    }
    out.push({ time: m[1]!, stream: m[2] as LogLine['stream'], text: carry.partial + m[4] });
    carry.partial = '';
  }
  return out;
}

/**
 * Reads a container's CRI log file as pods/log serves it: optional tail, timestamps, and
 * follow (until `done()` says the container exited and the file has no more bytes).
 */
export async function* readContainerLog(
  path: string,
  opts: {
    tailLines?: number;
    timestamps?: boolean;
    follow?: boolean;
    sinceSeconds?: number;
    signal?: AbortSignal;
    done?: () => Promise<boolean>;
  },
): AsyncGenerator<string> {
  const fh = await open(path, 'r');
  try {
    let offset = 0;
    let buffered = '';
    const carry = { partial: '' };
    const since = opts.sinceSeconds ? Date.now() - opts.sinceSeconds * 1000 : 0;
    const fmt = (l: LogLine) => `${opts.timestamps ? `${l.time} ` : ''}${l.text}\n`;
    const readMore = async () => {
      const size = (await stat(path).catch(() => ({ size: offset }))).size;
      if (size < offset) offset = 0; // rotated and truncated
      if (size === offset) return [];
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      buffered += buf.toString('utf8');
      const cut = buffered.lastIndexOf('\n');
      if (cut < 0) return [];
      const whole = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 1);
      return decodeCriLog(whole, carry).filter((l) => !since || Date.parse(l.time) >= since);
    };
    let first = await readMore();
    if (opts.tailLines !== undefined)
      first = opts.tailLines <= 0 ? [] : first.slice(-opts.tailLines);
    for (const l of first) yield fmt(l);
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      const more = await readMore();
      for (const l of more) yield fmt(l);
      if (more.length === 0) {
        if (opts.done && (await opts.done())) {
          for (const l of await readMore()) yield fmt(l);
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await fh.close();
  }
}
