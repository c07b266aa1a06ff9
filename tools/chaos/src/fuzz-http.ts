// Raw HTTP/1.1 for the pod API fuzzer: the request bytes exactly as a case writes them
// (over TLS to the loopback port, or the unix socket), the answer parsed by hand so that
// a malformed one is seen as such.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface HttpTarget {
  /** `https://127.0.0.1:<port>` or undefined for the unix socket. */
  url?: string;
  ca?: string;
  socket?: string;
  /** Plain TCP to the `url`'s port (bytes that are not TLS). */
  plain?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Bytes that were not a well-formed HTTP/1.x response, when so. */
  malformed?: string;
}

export type HttpOutcome =
  | { kind: 'answer'; answer: HttpAnswer }
  | { kind: 'closed'; detail: string }
  | { kind: 'timeout' };

export function dial(t: HttpTarget): Socket {
  if (t.url === undefined) return netConnect(t.socket ?? '');
  const u = new URL(t.url);
  if (t.plain) return netConnect(Number(u.port), u.hostname);
  return tlsConnect({
    host: u.hostname,
    port: Number(u.port),
    ...(t.ca ? { ca: t.ca } : {}),
    servername: 'localhost',
  });
}

/** Parses one response (the first) from everything the server sent. */
export function parseResponse(raw: Buffer): HttpAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const bad = (why: string): HttpAnswer => ({
    status: 0,
    headers: {},
    body: raw,
    malformed: `${why}: ${JSON.stringify(raw.subarray(0, 120).toString('latin1'))}`,
  });
  if (end < 0) return bad('no end of headers');
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) return bad('bad status line');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) return bad(`bad header line ${JSON.stringify(l)}`);
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const nl = body.indexOf('\r\n', at);
      if (nl < 0) break; // cut short: keep what came
      const size = Number.parseInt(body.subarray(at, nl).toString(), 16);
      if (!Number.isFinite(size)) return bad('bad chunk size');
      if (size === 0) break;
      out.push(body.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
    body = Buffer.concat(out);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status: Number(m[1]), headers, body };
}

/**
 * Writes `bytes` (or the parts, `gapMs` apart) and reads until the server closes or
 * `timeoutMs`. A write the server cut short (it answered early, e.g. 413) is fine.
 */
export function exchange(
  t: HttpTarget,
  parts: Buffer[],
  opts: { timeoutMs: number; gapMs?: number },
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const sock = dial(t);
    const chunks: Buffer[] = [];
    let done = false;
    let writeError = '';
    const finish = (o: HttpOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const settle = () => {
      const raw = Buffer.concat(chunks);
      if (raw.length === 0)
        finish({ kind: 'closed', detail: writeError || 'closed without an answer' });
      else finish({ kind: 'answer', answer: parseResponse(raw) });
    };
    const timer = setTimeout(
      () => (chunks.length > 0 ? settle() : finish({ kind: 'timeout' })),
      opts.timeoutMs,
    );
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      // Keep-alive answers: done once the whole body is in.
      const a = parseResponse(Buffer.concat(chunks));
      if (
        !a.malformed &&
        a.headers['content-length'] !== undefined &&
        a.body.length >= Number(a.headers['content-length'])
      )
        settle();
    });
    sock.on('error', (e) => {
      writeError = e.message;
    });
    sock.on('close', settle);
    const ready = t.url === undefined || t.plain ? 'connect' : 'secureConnect';
    sock.once(ready, async () => {
      for (const p of parts) {
        if (done || sock.destroyed) return;
        sock.write(p);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
    });
  });
}

/** An HTTP/1.1 request as bytes: `Connection: close` unless headers say otherwise. */
export function requestBytes(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Buffer {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h: Record<string, string> = { Host: 'localhost', Connection: 'close', ...headers };
  if (b !== undefined && h['Content-Length'] === undefined && h['Transfer-Encoding'] === undefined)
    h['Content-Length'] = String(b.length);
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return b === undefined
    ? Buffer.from(head, 'latin1')
    : Buffer.concat([Buffer.from(head, 'latin1'), b]);
}
