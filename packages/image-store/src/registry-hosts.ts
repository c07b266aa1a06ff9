import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { InvalidArgumentError } from '@capstan/errdefs';

// Registry mirrors with containerd's `certs.d/<host>/hosts.toml` semantics
// (https://github.com/containerd/containerd/blob/main/docs/hosts.md): which endpoints a
// pull of `<host>/<repo>` tries, in order. Only the TOML that hosts.toml files use is
// understood: `key = value` with basic/literal strings, booleans and string arrays, and
// `[table]` headers with dotted, quoted keys (`[host."http://mirror:5000"]`).

/** A TOML value of the subset. */
export type TomlValue = string | boolean | string[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

/** A malformed TOML or hosts.toml file: names the file and, when known, the line. */
export class HostsTomlError extends InvalidArgumentError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
  }
}

const BARE_KEY = /^[A-Za-z0-9_-]+/;

/** Reads a basic ("...") or literal ('...') string at `s[i]`; returns it and the index after. */
function readString(s: string, i: number, fail: (m: string) => never): [string, number] {
  const quote = s[i];
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s[j] as string;
    if (c === quote) return [out, j + 1];
    if (quote === '"' && c === '\\') {
      const e = s[j + 1];
      const simple: Record<string, string> = {
        b: '\b',
        t: '\t',
        n: '\n',
        f: '\f',
        r: '\r',
        '"': '"',
        '\\': '\\',
      };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        j += 2;
        continue;
      }
      if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = s.slice(j + 2, j + 2 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail(`bad escape \\${e}${hex}`);
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        j += 2 + n;
        continue;
      }
      fail(`bad escape \\${e ?? ''} in a string`);
    }
    out += c;
    j++;
  }
  return fail('unterminated string');
}

/** Reads a dotted key (`a."b.c".d`) at `s[i]`, up to `stop`. */
function readKey(s: string, i: number, fail: (m: string) => never): [string[], number] {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    while (s[j] === ' ' || s[j] === '\t') j++;
    const c = s[j];
    if (c === '"' || c === "'") {
      const [k, next] = readString(s, j, fail);
      parts.push(k);
      j = next;
    } else {
      const m = BARE_KEY.exec(s.slice(j));
      if (!m) fail(`expected a key at ${JSON.stringify(s.slice(j, j + 20))}`);
      parts.push(m[0]);
      j += m[0].length;
    }
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (s[j] !== '.') return [parts, j];
    j++;
  }
}

/** Skips spaces, tabs and (outside strings) `#` comments, optionally newlines too. */
function skip(s: string, i: number, newlines: boolean): number {
  let j = i;
  for (;;) {
    const c = s[j];
    if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) j++;
    else if (c === '#') while (j < s.length && s[j] !== '\n') j++;
    else return j;
  }
}

function readValue(s: string, i: number, fail: (m: string) => never): [TomlValue, number] {
  const c = s[i];
  if (c === '"' || c === "'") {
    if (s.startsWith(c.repeat(3), i)) fail('multi-line strings are not supported');
    return readString(s, i, fail);
  }
  if (s.startsWith('true', i) && !BARE_KEY.test(s.slice(i + 4, i + 5))) return [true, i + 4];
  if (s.startsWith('false', i) && !BARE_KEY.test(s.slice(i + 5, i + 6))) return [false, i + 5];
  if (c === '[') {
    const out: string[] = [];
    let j = skip(s, i + 1, true);
    while (s[j] !== ']') {
      if (s[j] !== '"' && s[j] !== "'") {
        fail(
          j >= s.length
            ? 'unterminated array'
            : 'arrays may hold only strings (capabilities = ["pull", "resolve"])',
        );
      }
      const [v, next] = readString(s, j, fail);
      out.push(v);
      j = skip(s, next, true);
      if (s[j] === ',') j = skip(s, j + 1, true);
      else if (s[j] !== ']')
        fail(j >= s.length ? 'unterminated array' : 'expected , or ] in an array');
    }
    return [out, j + 1];
  }
  return fail(
    `unsupported value ${JSON.stringify(s.slice(i, s.indexOf('\n', i) < 0 ? undefined : s.indexOf('\n', i)))} (strings, booleans and string arrays only)`,
  );
}

/**
 * Parses the TOML subset hosts.toml files use into nested tables.
 *
 * @throws {@link HostsTomlError} with the line of the first problem.
 */
export function parseTomlSubset(text: string, file = 'hosts.toml'): TomlTable {
  const root: TomlTable = {};
  let table = root;
  const defined = new Set<string>();
  let i = 0;
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  let at = 0;
  const fail = (m: string): never => {
    throw new HostsTomlError(file, lineAt(at), m);
  };
  const descend = (from: TomlTable, path: string[]): TomlTable => {
    let t = from;
    for (const p of path) {
      const next = t[p];
      if (next === undefined) t = t[p] = {};
      else if (typeof next === 'object' && !Array.isArray(next)) t = next;
      else fail(`${path.join('.')}: ${p} is already a value, not a table`);
    }
    return t;
  };
  while (i < text.length) {
    i = skip(text, i, true);
    if (i >= text.length) break;
    at = i;
    if (text[i] === '[') {
      if (text[i + 1] === '[') fail('arrays of tables ([[...]]) are not supported');
      const [path, j] = readKey(text, i + 1, fail);
      if (text[j] !== ']') fail('expected ] after a table name');
      const id = JSON.stringify(path);
      if (defined.has(id)) fail(`table [${path.join('.')}] defined twice`);
      defined.add(id);
      table = descend(root, path);
      i = j + 1;
    } else {
      const [path, j] = readKey(text, i, fail);
      if (text[j] !== '=') fail(`expected = after key ${path.join('.')}`);
      const [value, k] = readValue(text, skip(text, j + 1, false), fail);
      const last = path[path.length - 1] as string;
      const target = descend(table, path.slice(0, -1));
      if (target[last] !== undefined) fail(`key ${path.join('.')} defined twice`);
      target[last] = value;
      i = k;
    }
    i = skip(text, i, false);
    if (i < text.length && text[i] !== '\n') {
      at = i;
      fail(
        `unexpected ${JSON.stringify(text.slice(i, text.indexOf('\n', i) < 0 ? undefined : text.indexOf('\n', i)))} at the end of a line`,
      );
    }
  }
  return root;
}

export type HostCapability = 'pull' | 'resolve' | 'push';

/** One place a pull may go to, in the order hosts.toml gives. */
export interface RegistryEndpoint {
  /** The endpoint URL as written (`http://127.0.0.1:5000`, `https://registry-1.docker.io`). */
  url: string;
  /** `host[:port]`: the registry part of the name Docker pulls by. */
  host: string;
  /** Repository prefix from a `/v2/<prefix>` path (containerd appends the repository). */
  prefix: string;
  scheme: 'http' | 'https';
  capabilities: HostCapability[];
  skipVerify: boolean;
  /** A `[host."..."]` entry (true) or the upstream `server` (false). */
  mirror: boolean;
}

/** The endpoints of a registry host from its hosts.toml, and the file they came from. */
export interface RegistryHosts {
  file: string;
  endpoints: RegistryEndpoint[];
}

const CAPABILITIES: readonly HostCapability[] = ['pull', 'resolve', 'push'];

/** Whether a host (without port) is loopback: plain HTTP is allowed there. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

function endpoint(
  raw: string,
  t: TomlTable,
  mirror: boolean,
  fail: (m: string) => never,
): RegistryEndpoint {
  let url: URL;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(`${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(`${JSON.stringify(raw)}: only http:// and https:// endpoints`);
  }
  if (url.username || url.password || url.search || url.hash) {
    fail(`${JSON.stringify(raw)}: no credentials, query or fragment in an endpoint`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  let prefix = '';
  if (path !== '' && path !== '/v2') {
    if (!path.startsWith('/v2/') || t.override_path === true) {
      fail(
        `${JSON.stringify(raw)}: Docker can only pull from <host>/v2[/<prefix>]; path ${path} is not supported`,
      );
    }
    prefix = path.slice('/v2/'.length);
  }
  const caps = t.capabilities ?? [...CAPABILITIES];
  if (!Array.isArray(caps))
    fail(`${JSON.stringify(raw)}: capabilities must be an array of strings`);
  for (const c of caps as string[]) {
    if (!CAPABILITIES.includes(c as HostCapability)) {
      fail(`${JSON.stringify(raw)}: unknown capability ${JSON.stringify(c)} (pull, resolve, push)`);
    }
  }
  const skipVerify = t.skip_verify ?? false;
  if (typeof skipVerify !== 'boolean')
    fail(`${JSON.stringify(raw)}: skip_verify must be a boolean`);
  for (const k of ['ca', 'client']) {
    const v = t[k];
    if (v !== undefined && typeof v !== 'string' && !Array.isArray(v)) {
      fail(`${JSON.stringify(raw)}: ${k} must be a string or an array`);
    }
  }
  const header = t.header;
  if (header !== undefined && (typeof header !== 'object' || Array.isArray(header))) {
    fail(`${JSON.stringify(raw)}: header must be a table`);
  }
  return {
    url: raw,
    host: url.host,
    prefix,
    scheme: url.protocol === 'http:' ? 'http' : 'https',
    capabilities: caps as HostCapability[],
    skipVerify: skipVerify as boolean,
    mirror,
  };
}

/**
 * A hosts.toml's endpoints for registry `domain`: the `[host."..."]` entries in file order,
 * then the upstream `server` (default `https://<domain>`, Docker Hub's for docker.io).
 *
 * @throws {@link HostsTomlError} when the file is malformed.
 */
export function parseHostsToml(text: string, domain: string, file = 'hosts.toml'): RegistryHosts {
  const doc = parseTomlSubset(text, file);
  const fail = (m: string): never => {
    throw new HostsTomlError(file, undefined, m);
  };
  const endpoints: RegistryEndpoint[] = [];
  const hosts = doc.host ?? {};
  if (typeof hosts !== 'object' || Array.isArray(hosts))
    fail('host must be a table of [host."<url>"]');
  for (const [raw, t] of Object.entries(hosts as TomlTable)) {
    if (typeof t !== 'object' || Array.isArray(t))
      fail(`host.${JSON.stringify(raw)} must be a table`);
    endpoints.push(endpoint(raw, t as TomlTable, true, fail));
  }
  const server =
    doc.server ?? (domain === 'docker.io' ? 'https://registry-1.docker.io' : `https://${domain}`);
  if (typeof server !== 'string') fail('server must be a string');
  endpoints.push(endpoint(server as string, doc, false, fail));
  return { file, endpoints };
}

/**
 * The hosts.toml for registry `domain` under `dir` (`<dir>/<domain>/hosts.toml`, else
 * `<dir>/_default/hosts.toml`), or undefined when neither exists (or `dir` is empty).
 *
 * @throws {@link HostsTomlError} when the file is malformed or unreadable.
 */
export function loadRegistryHosts(dir: string, domain: string): RegistryHosts | undefined {
  if (!dir) return undefined;
  for (const name of [domain, '_default']) {
    const file = join(dir, name, 'hosts.toml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new HostsTomlError(file, undefined, `cannot read: ${(err as Error).message}`);
    }
    return parseHostsToml(text, domain, file);
  }
  return undefined;
}

/** Whether pulling `domain`'s images by their own name reaches this endpoint. */
export function isDirect(ep: RegistryEndpoint, domain: string): boolean {
  if (ep.prefix !== '') return false;
  if (ep.host === domain) return true;
  return (
    domain === 'docker.io' &&
    ['registry-1.docker.io', 'index.docker.io', 'registry.hub.docker.com'].includes(ep.host)
  );
}
