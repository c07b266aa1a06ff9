// Memory a Node server keeps, asked through its inspector (`node --inspect=127.0.0.1:0`):
// RSS of a garbage-collected process says little about leaks (V8 keeps freed pages for
// tens of seconds, or for good), the heap after a full collection says exactly what the
// server still holds.
import { readFileSync } from 'node:fs';
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
