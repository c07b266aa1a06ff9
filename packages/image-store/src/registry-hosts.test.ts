import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HostsTomlError,
  isDirect,
  isLoopbackHost,
  loadRegistryHosts,
  parseHostsToml,
  parseTomlSubset,
} from './registry-hosts.js';

describe('parseTomlSubset', () => {
  it('reads strings, booleans, string arrays, comments and quoted table names', () => {
    const doc = parseTomlSubset(
      [
        '# a comment',
        'server = "https://registry.example" # trailing',
        "lit = 'C:\\path'",
        'esc = "a\\"b\\u0041\\n"',
        '',
        '[host."http://127.0.0.1:5000"]',
        '  capabilities = ["pull", "resolve"]',
        '  skip_verify = true',
        '[host."https://m2".header]',
        '  x-custom = "1"',
        "[host.'https://m3']",
        'capabilities = [',
        '  "pull", # why',
        '  "resolve",',
        ']',
        'off = false',
      ].join('\n'),
    );
    expect(doc).toEqual({
      server: 'https://registry.example',
      lit: 'C:\\path',
      esc: 'a"bA\n',
      host: {
        'http://127.0.0.1:5000': { capabilities: ['pull', 'resolve'], skip_verify: true },
        'https://m2': { header: { 'x-custom': '1' } },
        'https://m3': { capabilities: ['pull', 'resolve'], off: false },
      },
    });
  });

  it.each([
    ['server = https://x', 2, /unsupported value/],
    ['x = "open', 1, /unterminated string/],
    ['[host."a"\ny = true', 1, /expected \]/],
    ['a = 1', 1, /unsupported value/],
    ['a = "x" b', 1, /unexpected/],
    ['a = true\na = false', 2, /defined twice/],
    ['[t]\n[t]', 2, /defined twice/],
    ['a = [1, 2]', 1, /only strings/],
    ['a = ["x"', 1, /unterminated array/],
    ['= "x"', 1, /expected a key/],
    ['[[host]]', 1, /not supported/],
    ['a = "\\q"', 1, /bad escape/],
    ['a = """x"""', 1, /multi-line/],
  ])('%j is an error at line %i', (text, line, re) => {
    const lines = text.startsWith('server') ? `# c\n${text}` : text;
    let err: unknown;
    try {
      parseTomlSubset(lines, '/etc/x/hosts.toml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostsTomlError);
    expect((err as HostsTomlError).line).toBe(line);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain('/etc/x/hosts.toml');
  });
});

describe('parseHostsToml', () => {
  it('mirrors in file order, then the server; default capabilities; /v2 prefixes', () => {
    const { endpoints } = parseHostsToml(
      [
        'server = "https://upstream.invalid"',
        '[host."http://127.0.0.1:1"]',
        '  capabilities = ["pull", "resolve"]',
        '[host."https://mirror.example/v2/proxy"]',
        '[host."mirror2.example:5000"]',
        '  capabilities = ["pull"]',
        '  skip_verify = true',
      ].join('\n'),
      'upstream.invalid',
    );
    expect(endpoints.map((e) => [e.host, e.prefix, e.scheme, e.capabilities, e.mirror])).toEqual([
      ['127.0.0.1:1', '', 'http', ['pull', 'resolve'], true],
      ['mirror.example', 'proxy', 'https', ['pull', 'resolve', 'push'], true],
      ['mirror2.example:5000', '', 'https', ['pull'], true],
      ['upstream.invalid', '', 'https', ['pull', 'resolve', 'push'], false],
    ]);
    expect(endpoints[2]?.skipVerify).toBe(true);
    expect(isDirect(endpoints[3] as never, 'upstream.invalid')).toBe(true);
    expect(isDirect(endpoints[0] as never, 'upstream.invalid')).toBe(false);
  });

  it('the default server is the host itself (Docker Hub for docker.io)', () => {
    expect(parseHostsToml('', 'quay.io').endpoints[0]?.host).toBe('quay.io');
    const hub = parseHostsToml('', 'docker.io').endpoints[0];
    expect(hub?.host).toBe('registry-1.docker.io');
    expect(isDirect(hub as never, 'docker.io')).toBe(true);
  });

  it.each([
    ['server = true', /server must be a string/],
    ['[host."ftp://x"]', /only http/],
    ['[host."http://x"]\ncapabilities = ["pull", "fly"]', /unknown capability/],
    ['[host."http://x"]\nskip_verify = "yes"', /skip_verify must be a boolean/],
    ['[host."http://x/other"]', /not supported/],
    ['host = "x"', /host must be a table/],
  ])('%j is refused', (text, re) => {
    expect(() => parseHostsToml(text, 'h', '/d/h/hosts.toml')).toThrow(HostsTomlError);
    expect(() => parseHostsToml(text, 'h', '/d/h/hosts.toml')).toThrow(re);
  });
});

describe('loadRegistryHosts', () => {
  it('<dir>/<host>/hosts.toml, else _default, else none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-certs-'));
    try {
      expect(loadRegistryHosts(dir, 'a.example')).toBeUndefined();
      expect(loadRegistryHosts('', 'a.example')).toBeUndefined();
      mkdirSync(join(dir, '_default'));
      writeFileSync(join(dir, '_default', 'hosts.toml'), '[host."http://127.0.0.1:2"]\n');
      expect(loadRegistryHosts(dir, 'a.example')?.file).toBe(join(dir, '_default', 'hosts.toml'));
      mkdirSync(join(dir, 'a.example:5000'));
      writeFileSync(
        join(dir, 'a.example:5000', 'hosts.toml'),
        'server = "http://a.example:5000"\n',
      );
      const own = loadRegistryHosts(dir, 'a.example:5000');
      expect(own?.endpoints.map((e) => e.url)).toEqual(['http://a.example:5000']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '[::1]', '::1']) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ['10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });
});
