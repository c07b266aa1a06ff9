// One pod API fuzz case: the raw request, where it goes, and what answer it must get.

import { requestBytes } from './fuzz-http.js';
import {
  brokenJson,
  PATCH_TYPES,
  patchBody,
  podManifest,
  wrongShape,
} from './fuzz-pod-api-bodies.js';
import { NASTY_STRINGS, type Rng } from './fuzz-rng.js';

export interface PodApiWorld {
  token: string;
  /** The namespace every pod the fuzzer makes lives in. */
  namespace: string;
  /** A pod of the fuzzer's that exists (PATCH, PUT, exec target). */
  fixture: string;
  image: string;
  /** The TCP listener exists (auth cases need it). */
  tcp: boolean;
  unix: boolean;
}

export type Expect = 'error' | 'unauthorized' | 'too-large' | 'any';

export interface PodApiCase {
  kind: string;
  what: string;
  via: 'tcp' | 'unix';
  parts: Buffer[];
  gapMs?: number;
  expect: Expect;
  /** A request that must change nothing (unauthorized writes): the pods are compared around it. */
  mustNotChange?: boolean;
}

const MIB = 1024 * 1024;
const odd = (rng: Rng) =>
  rng.pick([
    ...NASTY_STRINGS.map(encodeURIComponent),
    '..',
    '%2e%2e',
    '%2E%2E%2F%2E%2E',
    '%00',
    'a%00b',
    '%2F',
    '..%2F..%2Fetc',
    '%ff%fe',
    'x'.repeat(rng.pick([254, 64 * 1024])),
    '%',
    '%zz',
    '~',
    '.%2e',
  ]);

export function podApiCase(rng: Rng, w: PodApiWorld, n: number): PodApiCase {
  const via: 'tcp' | 'unix' = w.tcp && (!w.unix || rng.chance(0.7)) ? 'tcp' : 'unix';
  const auth = (): Record<string, string> =>
    via === 'tcp' ? { Authorization: `Bearer ${w.token}` } : {};
  const ns = `/api/v1/namespaces/${w.namespace}/pods`;
  const json = { 'Content-Type': 'application/json' };
  const kinds = {
    body: 30,
    huge: 5,
    names: 20,
    auth: w.tcp ? 15 : 0,
    stream: 10,
    http: 10,
    tls: w.tcp ? 2 : 0,
    valid: 8,
  };
  const kind = rng.weighted(kinds);
  const req = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ) => [requestBytes(method, path, { ...auth(), ...headers }, body)];
  switch (kind) {
    case 'body': {
      const target = rng.pick(['create', 'patch', 'update'] as const);
      if (target === 'create') {
        const manifest = podManifest(`fz-${n}`, w.namespace, w.image);
        const body = rng.chance(0.5)
          ? brokenJson(rng, JSON.stringify(manifest))
          : JSON.stringify(wrongShape(rng, `fz-${n}`, w.namespace, w.image));
        const type = rng.chance(0.85)
          ? json
          : {
              'Content-Type': rng.pick([
                'application/yaml',
                'text/plain',
                'application/json; charset=utf-16',
                '',
              ]),
            };
        // A shape may still be a valid pod: dryRun keeps the node out of it, mostly.
        const q = rng.chance(0.7) ? '?dryRun=All' : '?fieldValidation=Strict';
        return {
          kind: `body create`,
          what: `POST ${short(body)}`,
          via,
          parts: req('POST', ns + q, type, body),
          expect: 'any',
        };
      }
      if (target === 'patch') {
        const type = rng.pick(PATCH_TYPES);
        const body = patchBody(rng, type);
        return {
          kind: 'body patch',
          what: `PATCH ${type} ${short(body)}`,
          via,
          parts: req('PATCH', `${ns}/${w.fixture}`, { 'Content-Type': type }, body),
          expect: 'any',
        };
      }
      const body = rng.chance(0.5)
        ? brokenJson(rng, '{}')
        : JSON.stringify(
            wrongShape(rng, rng.chance(0.7) ? w.fixture : 'other', w.namespace, w.image),
          );
      return {
        kind: 'body update',
        what: `PUT ${short(body)}`,
        via,
        parts: req('PUT', `${ns}/${w.fixture}`, json, body),
        expect: 'any',
      };
    }
    case 'huge': {
      const size = rng.pick([3 * MIB + 1, 4 * MIB, 16 * MIB]);
      const chunked = rng.chance(0.3);
      const body = Buffer.alloc(size, 0x20);
      body.write(
        '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"huge","annotations":{"a":"',
        0,
      );
      const method = rng.pick(['POST', 'PUT', 'PATCH']);
      const path = method === 'POST' ? ns : `${ns}/${w.fixture}`;
      const type = method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : json;
      if (chunked) {
        const head = requestBytes(method, path, {
          ...auth(),
          ...type,
          'Transfer-Encoding': 'chunked',
        });
        const chunks = [head];
        for (let at = 0; at < size; at += MIB) {
          const c = body.subarray(at, at + MIB);
          chunks.push(
            Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]),
          );
        }
        chunks.push(Buffer.from('0\r\n\r\n'));
        return {
          kind: 'huge',
          what: `${method} ${size} bytes chunked`,
          via,
          parts: chunks,
          expect: 'too-large',
        };
      }
      return {
        kind: 'huge',
        what: `${method} ${size} bytes`,
        via,
        parts: req(method, path, type, body),
        expect: 'too-large',
      };
    }
    case 'names': {
      const a = odd(rng);
      const b = odd(rng);
      const [method, path, body] = rng.pick<[string, string, string?]>([
        ['GET', `/api/v1/namespaces/${a}/pods/${b}`],
        ['GET', `/api/v1/namespaces/${a}/pods`],
        ['DELETE', `/api/v1/namespaces/${a}/pods/${b}`],
        ['DELETE', `${ns}/${b}`],
        ['GET', `${ns}/${b}/log`],
        ['GET', `${ns}/${b}/status`],
        ['GET', `/api/v1/nodes/${b}`],
        ['GET', `/api/v1/namespaces/${a}`],
        ['PATCH', `/api/v1/namespaces/${a}/pods/${b}`, '{"metadata":{"labels":{"a":"b"}}}'],
        [
          'POST',
          `/api/v1/namespaces/${a}/pods`,
          JSON.stringify(podManifest(decodeSafe(b), decodeSafe(a), w.image)),
        ],
        [
          'POST',
          `${ns}?dryRun=All`,
          JSON.stringify(podManifest(decodeSafe(b), w.namespace, w.image)),
        ],
        ['GET', `/api/v1/${a}/../../pods`],
        ['GET', `/api/v1/namespaces/${w.namespace}/pods/${w.fixture}/${a}`],
      ]);
      const type = method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : json;
      return {
        kind: 'names',
        what: `${method} ${path.slice(0, 120)}`,
        via,
        parts: req(method, path, type, body),
        expect: 'any',
      };
    }
    case 'auth': {
      const bad = rng.pick([
        undefined,
        'Bearer wrong',
        'Bearer ',
        `Bearer ${w.token.slice(0, -1)}`,
        `Bearer ${w.token}x`,
        `Bearer ${w.token.toUpperCase() === w.token ? w.token.toLowerCase() : w.token.toUpperCase()}`,
        `Basic ${Buffer.from(`admin:${w.token}`).toString('base64')}`,
        `Bearer${w.token}`,
        w.token,
        `Bearer ${'A'.repeat(w.token.length)}`,
        `Bearer ${'x'.repeat(64 * 1024)}`,
      ]);
      const headers: Record<string, string> = bad === undefined ? {} : { Authorization: bad };
      const [method, path, body] = rng.pick<[string, string, string?]>([
        ['GET', '/api/v1/pods'],
        ['GET', `${ns}/${w.fixture}`],
        ['POST', ns, JSON.stringify(podManifest(`unauth-${n}`, w.namespace, w.image))],
        ['DELETE', `${ns}/${w.fixture}`],
        ['PATCH', `${ns}/${w.fixture}`, '{"metadata":{"labels":{"unauthorized":"yes"}}}'],
        ['PUT', `${ns}/${w.fixture}`, '{}'],
        ['GET', `${ns}/${w.fixture}/exec?command=true&stdout=1`],
        ['GET', '/version'],
        ['GET', '/healthz'],
      ]);
      const type = method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : json;
      const upgrade = path.includes('/exec')
        ? {
            Connection: 'Upgrade',
            Upgrade: 'SPDY/3.1',
            'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
          }
        : {};
      return {
        kind: 'auth',
        what: `${method} ${path} with ${bad === undefined ? 'no token' : JSON.stringify(bad.slice(0, 40))}`,
        via: 'tcp',
        parts: [requestBytes(method, path, { ...headers, ...type, ...upgrade }, body)],
        expect: 'unauthorized',
        mustNotChange: method !== 'GET',
      };
    }
    case 'stream': {
      const sub = rng.pick(['exec', 'attach', 'portforward']);
      const pod = rng.chance(0.7) ? w.fixture : odd(rng);
      const q = rng.pick([
        '',
        '?command=true',
        '?command=true&stdout=1&container=nope',
        '?ports=0',
        '?ports=70000',
        '?ports=abc',
        '?ports=',
        `?command=${'x'.repeat(10_000)}&stdout=1`,
        '?stdin=1&tty=1&command=sh',
      ]);
      const upgrade = rng.chance(0.8)
        ? {
            Connection: 'Upgrade',
            Upgrade: rng.pick(['SPDY/3.1', 'websocket', 'h2c', 'garbage']),
            'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
          }
        : {};
      const method = rng.pick(['GET', 'POST', 'DELETE']);
      return {
        kind: 'stream',
        what: `${method} ${sub}${q.slice(0, 60)} pod ${pod.slice(0, 40)} ${upgrade.Upgrade ?? 'no upgrade'}`,
        via,
        parts: req(method, `${ns}/${pod}/${sub}${q}`, upgrade),
        expect: 'any',
      };
    }
    case 'http': {
      const a = auth();
      const authLine = a.Authorization ? `Authorization: ${a.Authorization}\r\n` : '';
      const raw = rng.pick([
        `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${authLine}X-Big: ${'h'.repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`,
        `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${authLine}${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`,
        `POST ${ns} HTTP/1.1\r\nHost: x\r\n${authLine}Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
        `POST ${ns} HTTP/1.1\r\nHost: x\r\n${authLine}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n`,
        `POST ${ns} HTTP/1.1\r\nHost: x\r\n${authLine}Content-Length: -1\r\nConnection: close\r\n\r\n`,
        `POST ${ns} HTTP/1.1\r\nHost: x\r\n${authLine}Content-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab`,
        `GET /api/v1/pods HTTP/9.9\r\nHost: x\r\n${authLine}Connection: close\r\n\r\n`,
        `FOO /api/v1/pods HTTP/1.1\r\nHost: x\r\n${authLine}Connection: close\r\n\r\n`,
        `GET http://evil.example/api/v1/pods HTTP/1.1\r\nHost: x\r\n${authLine}Connection: close\r\n\r\n`,
        `OPTIONS * HTTP/1.1\r\nHost: x\r\n${authLine}Connection: close\r\n\r\n`,
        `GET /api/v1/pods\u0000 HTTP/1.1\r\nHost: x\r\n${authLine}Connection: close\r\n\r\n`,
        `GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n${authLine}X-A: b\rc\r\nConnection: close\r\n\r\n`,
        `GET /api/v1/pods HTTP/1.1\r\n\r\n`,
        'GET /\r\n\r\n',
        `DELETE ${ns}/${w.fixture} HTTP/1.1\r\nHost: x\r\n${authLine}Content-Type: application/json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{"a":nul`,
      ]);
      // Any answer (an absolute-form URI is legal HTTP/1.1), but a well-formed one.
      return {
        kind: 'http',
        what: JSON.stringify(raw.slice(0, 80)),
        via,
        parts: [Buffer.from(raw, 'latin1')],
        expect: 'any',
      };
    }
    case 'tls':
      return {
        kind: 'tls',
        what: 'not TLS',
        via: 'tcp',
        parts: [rng.bytes(rng.size(2048) + 1)],
        expect: 'any',
      };
    default: {
      // Valid requests, to keep the ordinary paths in the mix.
      const [method, path, body, type] = rng.pick<[string, string, string?, string?]>([
        ['GET', '/api/v1/pods?labelSelector=capstan.io%2Ffuzz%3Dpod-api'],
        ['GET', `${ns}/${w.fixture}`],
        ['POST', `${ns}?dryRun=All`, JSON.stringify(podManifest(`fz-${n}`, w.namespace, w.image))],
        [
          'PATCH',
          `${ns}/${w.fixture}`,
          JSON.stringify({ metadata: { labels: { round: String(n) } } }),
          'application/merge-patch+json',
        ],
        ['GET', `${ns}/${w.fixture}/log?tailLines=1`],
        ['GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(odd(rng))}`],
        ['GET', `/api/v1/pods?labelSelector=${encodeURIComponent(odd(rng))}`],
        ['GET', `/api/v1/pods?watch=1&timeoutSeconds=1`],
      ]);
      return {
        kind: 'valid',
        what: `${method} ${path.slice(0, 100)}`,
        via,
        parts: req(method, path, { 'Content-Type': type ?? 'application/json' }, body),
        expect: 'any',
      };
    }
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function short(b: Buffer | string): string {
  const s = Buffer.isBuffer(b) ? b.toString('latin1') : b;
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...(${s.length})` : s);
}
