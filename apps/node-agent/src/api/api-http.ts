import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiStatusError, badRequest, type KubeStatus, statusOf } from './api-status.js';

/** Largest request body accepted, as the API server's limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole request body; 413 past {@link MAX_BODY_BYTES}. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      throw new ApiStatusError(
        413,
        'RequestEntityTooLarge',
        `the request body is larger than the limit of ${limit} bytes`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body; 415 for other media types (YAML is the client's job), 400 for bad JSON. */
export async function readJson(
  req: IncomingMessage,
  allowed = ['application/json'],
): Promise<unknown> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  if (!allowed.includes(type)) {
    throw new ApiStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${allowed.join(', ')}`,
    );
  }
  const body = await readBody(req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: unknown): KubeStatus {
  const status = statusOf(err);
  if (res.headersSent) {
    res.destroy();
  } else {
    sendJson(res, status.code, status);
  }
  return status;
}

/** What the client asked for in `Accept`: the object itself, a Table, or its metadata. */
export type Output =
  | { kind: 'json' }
  | { kind: 'table'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' }
  | { kind: 'partial'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' };

/**
 * Content negotiation as the API server does it, in the client's order: kubectl get asks
 * `application/json;as=Table;v=v1;g=meta.k8s.io, ..., application/json`. Only JSON is
 * served; a client that accepts nothing JSON gets 406.
 */
export function negotiate(accept: string | undefined): Output {
  if (!accept) return { kind: 'json' };
  for (const range of accept.split(',')) {
    const [type = '', ...paramParts] = range.split(';').map((s) => s.trim());
    const params = new Map(
      paramParts.map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
      }),
    );
    if (params.get('q') === '0') continue;
    if (!['application/json', 'application/*', '*/*'].includes(type)) continue;
    const as = params.get('as');
    if (as === undefined) return { kind: 'json' };
    if (params.get('g') !== 'meta.k8s.io') continue;
    const v = params.get('v');
    if (v !== 'v1' && v !== 'v1beta1') continue;
    const apiVersion = `meta.k8s.io/${v}` as const;
    if (as === 'Table') return { kind: 'table', apiVersion };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { kind: 'partial', apiVersion };
    }
  }
  throw new ApiStatusError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io (asked: ${accept})`,
  );
}

/** Query parameters of a request, with typed getters that answer 400 on bad values. */
export class Query {
  constructor(readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  all(name: string): string[] {
    return this.params.getAll(name);
  }

  bool(name: string): boolean {
    const v = this.params.get(name);
    if (v === null || v === '' || v === 'false' || v === '0') return false;
    if (v === 'true' || v === '1') return true;
    throw badRequest(`${name}: invalid boolean value "${v}"`);
  }

  int(name: string, min?: number): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: invalid integer value "${v}"`);
    const n = Number(v);
    if (min !== undefined && n < min) {
      throw new ApiStatusError(422, 'Invalid', `${name}: Invalid value: ${n}: must be >= ${min}`);
    }
    return n;
  }
}
