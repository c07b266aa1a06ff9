import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ConfigError,
  defaultConfig,
  durationMs,
  exampleConfig,
  loadConfig,
  shimConfigSchema,
} from './shim-config.js';

const dir = mkdtempSync(join(tmpdir(), 'shim-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('is the defaults without a file or flags', () => {
    expect(loadConfig({})).toEqual(defaultConfig());
  });
  it('reads the file, and flags win over it', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'stateDir: /var/lib/x\ncni:\n  confDir: /etc/x\nstatsPeriod: 5s\n');
    const c = loadConfig({
      config: file,
      cniBinDir: '/a,/b',
      statsPeriod: '2',
      sysctlWhitelist: 'net.*',
    });
    expect(c).toMatchObject({
      stateDir: '/var/lib/x',
      cni: { confDir: '/etc/x', binDirs: ['/a', '/b'] },
      statsPeriod: 2,
      sysctlWhitelist: ['net.*'],
    });
    expect(durationMs(c.statsPeriod)).toBe(2000);
    expect(durationMs('1m')).toBe(60_000);
  });
  it('says in one line what is wrong', () => {
    expect(() => loadConfig({ stateDir: 'relative' })).toThrow(ConfigError);
    expect(() => loadConfig({ logLevel: 'loud' })).toThrow(/logLevel/);
    expect(() => loadConfig({ config: join(dir, 'missing.yaml') })).toThrow(/cannot read/);
  });
  it('takes the streaming address and TLS files from the file or flags, and checks them', () => {
    expect(defaultConfig().streaming.address).toBe('127.0.0.1:0');
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'streaming:\n  address: 0.0.0.0:10010\n');
    expect(loadConfig({ config: file }).streaming).toEqual({
      address: '0.0.0.0:10010',
      tlsCertFile: '',
      tlsKeyFile: '',
    });
    expect(
      loadConfig({
        config: file,
        streamingAddress: '[::1]:0',
        streamingTlsCertFile: '/c.pem',
        streamingTlsKeyFile: '/k.pem',
      }).streaming,
    ).toEqual({ address: '[::1]:0', tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' });
    expect(() => loadConfig({ streamingAddress: '127.0.0.1:99999' })).toThrow(/streaming\.address/);
    expect(() => loadConfig({ streamingTlsCertFile: '/c.pem' })).toThrow(/tlsKeyFile/);
  });
  it('prints an example file that parses back to the defaults', () => {
    expect(shimConfigSchema.parse(parse(exampleConfig()))).toEqual(defaultConfig());
  });
});
