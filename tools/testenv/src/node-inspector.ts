// Memory a Node server keeps, asked through its inspector (`node --inspect=127.0.0.1:0`):
// RSS of a garbage-collected process says little about leaks (V8 keeps freed pages for
// tens of seconds, or for good), the heap after a full collection says exactly what the
// server still holds.
import { createWriteStream, readFileSync } from 'node:fs';
import { WebSocket } from 'ws';

/** The node flag that opens the inspector on a free loopback port. */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/** The last `Debugger listening on ws://...` URL a node process wrote to `logFile`. */
export function inspectorUrlFrom(logFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  const all = [...text.matchAll(/Debugger listening on (ws:\/\/\S+)/g)];
  return all.at(-1)?.[1];
}

/** What the server holds after a full GC (KiB): the JS heap plus Buffers and other external memory. */
export interface RetainedMemory {
  heapUsedKiB: number;
  externalKiB: number;
  totalKiB: number;
}

/** One inspector message: an answer to a call (`id`) or an event (`method`). */
interface InspectorMessage {
  id?: number;
  method?: string;
  params?: { chunk?: string };
  result?: { result?: { value?: unknown } };
  error?: unknown;
}

/**
 * One short inspector session: connects to `url` (`ws://127.0.0.1:<port>/<uuid>`), sends
 * `first`, and passes every message to `handle` (given `send` for the next call) until it
 * returns a value; a protocol error, a closed connection or `timeoutMs` rejects at once.
 */
function inspectorSession<T>(
  url: string,
  timeoutMs: number,
  first: { method: string; params?: object },
  handle: (
    msg: InspectorMessage,
    send: (id: number, method: string, params?: object) => void,
  ) => { value: T } | undefined,
  options: { maxPayload?: number } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const send = (id: number, method: string, params?: object) =>
      ws.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    const timer = setTimeout(() => {
      ws.terminate();
      done(new Error(`inspector ${url}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    let settled = false;
    function done(err: Error | undefined, value?: T) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.close();
      if (err) reject(err);
      else resolve(value as T);
    }
    ws.on('error', (e) => done(new Error(`inspector ${url}: ${e.message}`)));
    // A process that dies mid-answer closes the connection: fail now, not at the timeout.
    ws.on('close', () => done(new Error(`inspector ${url}: closed before the answer`)));
    ws.on('open', () => send(1, first.method, first.params));
    ws.on('message', (data) => {
      let msg: InspectorMessage;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return done(new Error(`inspector ${url}: an answer that is not JSON`));
      }
      if (msg.error) return done(new Error(`inspector ${url}: ${JSON.stringify(msg.error)}`));
      try {
        const r = handle(msg, send);
        if (r) done(undefined, r.value);
      } catch (err) {
        done(err as Error);
      }
    });
  });
}

/**
 * Forces a full garbage collection in the process whose inspector is at `url` and reads
 * its `process.memoryUsage()`. Rejects after `timeoutMs`.
 */
export function nodeRetainedMemory(url: string, timeoutMs = 30_000): Promise<RetainedMemory> {
  return inspectorSession(
    url,
    timeoutMs,
    { method: 'HeapProfiler.collectGarbage' },
    (msg, send) => {
      if (msg.id === 1) {
        send(2, 'Runtime.evaluate', {
          expression: 'JSON.stringify(process.memoryUsage())',
          returnByValue: true,
        });
      } else if (msg.id === 2) {
        const v = msg.result?.result?.value;
        if (typeof v !== 'string') throw new Error(`inspector ${url}: no memoryUsage`);
        const m = JSON.parse(v) as { heapUsed: number; external: number };
        const heapUsedKiB = Math.round(m.heapUsed / 1024);
        const externalKiB = Math.round(m.external / 1024);
        return { value: { heapUsedKiB, externalKiB, totalKiB: heapUsedKiB + externalKiB } };
      }
      return undefined;
    },
  );
}

/**
 * Writes a V8 heap snapshot of the process at `url` to `file` (after a full GC, as the
 * inspector takes it), for a leak hunt: load two in Chrome DevTools' Memory tab and
 * compare, or sum them with {@link heapSnapshotSummary}.
 */
export async function writeHeapSnapshot(
  url: string,
  file: string,
  timeoutMs = 120_000,
): Promise<void> {
  const out = createWriteStream(file);
  try {
    await inspectorSession(
      url,
      timeoutMs,
      { method: 'HeapProfiler.takeHeapSnapshot', params: {} },
      (msg) => {
        if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(msg.params?.chunk ?? '');
        return msg.id === 1 ? { value: undefined } : undefined;
      },
      { maxPayload: 1 << 30 },
    );
  } finally {
    await new Promise<void>((r) => out.end(() => r()));
  }
}

/** Per constructor (or node type): how many objects a heap snapshot holds and their self size. */
export interface HeapSummaryRow {
  name: string;
  count: number;
  selfBytes: number;
}

/** Sums a heap snapshot file by object name, largest self size first. */
export function heapSnapshotSummary(file: string): HeapSummaryRow[] {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const rows = new Map<string, HeapSummaryRow>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'closure'
        ? `${type}:${snap.strings[snap.nodes[i + nameAt]!]}`
        : `(${type})`;
    const row = rows.get(name) ?? { name, count: 0, selfBytes: 0 };
    row.count++;
    row.selfBytes += snap.nodes[i + sizeAt]!;
    rows.set(name, row);
  }
  return [...rows.values()].sort((a, b) => b.selfBytes - a.selfBytes);
}

/** What grew from snapshot `before` to `after` (count and self size per name), largest first. */
export function heapSnapshotGrowth(before: string, after: string, top = 25): HeapSummaryRow[] {
  const was = new Map(heapSnapshotSummary(before).map((r) => [r.name, r]));
  return heapSnapshotSummary(after)
    .map((r) => ({
      name: r.name,
      count: r.count - (was.get(r.name)?.count ?? 0),
      selfBytes: r.selfBytes - (was.get(r.name)?.selfBytes ?? 0),
    }))
    .sort((a, b) => b.selfBytes - a.selfBytes)
    .slice(0, top);
}
