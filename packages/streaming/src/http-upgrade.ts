import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Writes a complete HTTP/1.1 error response on a raw (not yet upgraded) socket and ends it. */
export function writeHttpError(
  socket: Duplex,
  status: number,
  body: string,
  headers: Record<string, string | readonly string[]> = {},
): void {
  if (socket.destroyed || socket.writableEnded) return;
  const text = `${body}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: text/plain; charset=utf-8',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
  ];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${v}`);
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

/** Writes `101 Switching Protocols` with `headers` (Connection and Upgrade included by the caller). */
export function writeSwitchingProtocols(socket: Duplex, headers: Record<string, string>): void {
  const lines = ['HTTP/1.1 101 Switching Protocols'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

function tokens(value: string | string[] | undefined): string[] {
  const all = typeof value === 'string' ? [value] : (value ?? []);
  return all.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase());
}

/** A WebSocket upgrade request (Upgrade: websocket, Connection: upgrade). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (
    tokens(req.headers.upgrade).includes('websocket') &&
    tokens(req.headers.connection).includes('upgrade')
  );
}

/** A SPDY/3.1 upgrade request, as client-go sends it. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (
    tokens(req.headers.upgrade).some((u) => u.includes('spdy/3.1')) &&
    tokens(req.headers.connection).includes('upgrade')
  );
}
