import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '@capstan/errdefs';

/** Where a CRI peer listens: a unix socket path or a TCP host and port. */
export type CriEndpoint =
  | { kind: 'unix'; path: string; uri: string }
  | { kind: 'tcp'; host: string; port: number; uri: string };

/**
 * Parses the endpoint forms kubelet and crictl accept: `unix:///run/x.sock`, `unix:/run/x.sock`,
 * a bare absolute path, `tcp://host:port` and `host:port` (IPv6 as `[::1]:port`).
 */
export function parseEndpoint(endpoint: string): CriEndpoint {
  const raw = endpoint.trim();
  if (raw === '') throw new InvalidArgumentError('CRI endpoint is empty');
  if (raw.startsWith('unix:') || isAbsolute(raw)) {
    const path = raw.startsWith('unix://')
      ? raw.slice(7)
      : raw.startsWith('unix:')
        ? raw.slice(5)
        : raw;
    if (!isAbsolute(path)) {
      throw new InvalidArgumentError(`CRI endpoint ${endpoint}: unix socket path must be absolute`);
    }
    if (Buffer.byteLength(path) > 107) {
      throw new InvalidArgumentError(
        `CRI endpoint ${endpoint}: unix socket path is longer than 107 bytes`,
      );
    }
    return { kind: 'unix', path, uri: `unix://${path}` };
  }
  const hostPort = raw.startsWith('tcp://') ? raw.slice(6) : raw;
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(hostPort);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port > 65535) {
    throw new InvalidArgumentError(
      `CRI endpoint ${endpoint}: expected unix:///path, an absolute path, or host:port`,
    );
  }
  const host = match[1]!.replace(/^\[|\]$/g, '');
  return { kind: 'tcp', host, port, uri: hostPort };
}
