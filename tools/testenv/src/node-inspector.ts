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

/**
 * Connects to the inspector at `url` (`ws://127.0.0.1:<port>/<uuid>`), forces a full
 * garbage collection and reads `process.memoryUsage()`. Rejects after `timeoutMs`.
 */
export function nodeRetainedMemory(url: string, timeoutMs = 30_000): Promise<RetainedMemory> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`inspector ${url}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    let settled = false;
    const done = (err: Error | undefined, value?: RetainedMemory) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.close();
      if (err) reject(err);
      else resolve(value!);
    };
    ws.on('error', (e) => done(new Error(`inspector ${url}: ${e.message}`)));
    // A process that dies mid-answer closes the connection: fail now, not at the timeout.
    ws.on('close', () => done(new Error(`inspector ${url}: closed before the answer`)));
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
    ws.on('message', (data) => {
      let msg: { id?: number; result?: { result?: { value?: unknown } }; error?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return done(new Error(`inspector ${url}: an answer that is not JSON`));
      }
      if (msg.error) return done(new Error(`inspector ${url}: ${JSON.stringify(msg.error)}`));
      if (msg.id === 1) {
        ws.send(
          JSON.stringify({
            id: 2,
            method: 'Runtime.evaluate',
            params: {
              expression: 'JSON.stringify(process.memoryUsage())',
              returnByValue: true,
            },
          }),
        );
      } else if (msg.id === 2) {
        const v = msg.result?.result?.value;
        if (typeof v !== 'string') return done(new Error(`inspector ${url}: no memoryUsage`));
        const m = JSON.parse(v) as { heapUsed: number; external: number };
        const heapUsedKiB = Math.round(m.heapUsed / 1024);
        const externalKiB = Math.round(m.external / 1024);
        done(undefined, { heapUsedKiB, externalKiB, totalKiB: heapUsedKiB + externalKiB });
      }
    });
  });
}

/**
 * Writes a V8 heap snapshot of the process at `url` to `file` (after a full GC, as the
 * inspector takes it), for a leak hunt: load both in Chrome DevTools' Memory tab and
 * compare, or sum them with {@link heapSnapshotSummary}.
 */
export function writeHeapSnapshot(url: string, file: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    const out = createWriteStream(file);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`inspector ${url}: no snapshot in ${timeoutMs} ms`));
    }, timeoutMs);
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.close();
      out.end(() => (err ? reject(err) : resolve()));
    };
    ws.on('error', (e) => done(new Error(`inspector ${url}: ${e.message}`)));
    ws.on('close', () => done(new Error(`inspector ${url}: closed before the snapshot`)));
    ws.on('open', () =>
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: {} })),
    );
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        error?: unknown;
      };
      if (msg.error) return done(new Error(`inspector ${url}: ${JSON.stringify(msg.error)}`));
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(msg.params?.chunk ?? '');
      else if (msg.id === 1) done();
    });
  });
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
