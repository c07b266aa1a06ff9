import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadNetworkConfigs,
  NetworkConfigWatcher,
  NoNetworkConfigError,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cninet-conf-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const list = (name: string, plugins: unknown[] = [{ type: 'bridge' }], extra = {}) =>
  JSON.stringify({ cniVersion: '1.0.0', name, plugins, ...extra });

describe('loadNetworkConfigs', () => {
  it('reads .conflist, .conf and .json in lexical order; reports and skips malformed files', async () => {
    await writeFile(join(dir, '01-notype.conflist'), list('x', [{ bridge: 'cbr0' }]));
    await writeFile(join(dir, '05-broken.conflist'), '{"cniVersion": "1.0.0", "name": ');
    await writeFile(
      join(dir, '10-alpha.conflist'),
      list('alpha', [{ type: 'bridge' }, { type: 'portmap' }]),
    );
    await writeFile(
      join(dir, '20-beta.conf'),
      JSON.stringify({ cniVersion: '0.4.0', name: 'beta', type: 'ptp' }),
    );
    await writeFile(
      join(dir, '30-gamma.json'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'gamma', type: 'macvlan' }),
    );
    await writeFile(join(dir, '40-dup.conflist'), list('alpha'));
    await writeFile(join(dir, '50-empty.conflist'), list('empty', []));
    await writeFile(
      join(dir, '60-version.conflist'),
      list('future', [{ type: 'x' }], { cniVersion: '9.0.0' }),
    );
    await writeFile(join(dir, 'README.txt'), 'not a config');
    const loaded = await loadNetworkConfigs(dir);
    expect(loaded.networks.map((n) => n.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(loaded.defaultNetwork?.name).toBe('alpha');
    expect(loaded.defaultNetwork?.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    const beta = loaded.networks[1]!;
    expect(beta).toMatchObject({ cniVersion: '0.4.0', file: join(dir, '20-beta.conf') });
    expect(JSON.parse(beta.json)).toEqual({
      cniVersion: '0.4.0',
      name: 'beta',
      plugins: [{ cniVersion: '0.4.0', name: 'beta', type: 'ptp' }],
    });
    expect(loaded.errors.every((e) => e instanceof ConfigError)).toBe(true);
    expect(loaded.errors.map((e) => [e.file?.slice(dir.length + 1), e.problem])).toEqual([
      ['01-notype.conflist', 'plugins[0] has no "type"'],
      ['05-broken.conflist', expect.stringContaining('invalid JSON')],
      ['40-dup.conflist', expect.stringContaining('already defined by')],
      ['50-empty.conflist', 'no plugins in the list'],
      ['60-version.conflist', expect.stringContaining('no usable CNI version')],
    ]);
    expect(loaded.errors[1]?.message).toContain('05-broken.conflist');
  });

  it('appends drop-in plugins from <dir>/<network>/*.conf unless loadOnlyInlinedPlugins', async () => {
    await writeFile(join(dir, '10-alpha.conflist'), list('alpha'));
    await writeFile(
      join(dir, '20-beta.conflist'),
      list('beta', [{ type: 'bridge' }], { loadOnlyInlinedPlugins: true }),
    );
    for (const n of ['alpha', 'beta']) {
      await mkdir(join(dir, n));
      await writeFile(join(dir, n, '10-tuning.conf'), JSON.stringify({ type: 'tuning' }));
    }
    const loaded = await loadNetworkConfigs(dir);
    expect(loaded.networks.map((n) => n.plugins.map((p) => p.type))).toEqual([
      ['bridge', 'tuning'],
      ['bridge'],
    ]);
  });

  it('a missing directory is empty, not an error', async () => {
    const loaded = await loadNetworkConfigs(join(dir, 'nope'));
    expect(loaded).toMatchObject({ networks: [], errors: [], defaultNetwork: undefined });
  });
});

describe('NetworkConfigWatcher', () => {
  it('picks up a directory and a config that appear later, and follows changes', async () => {
    const confDir = join(dir, 'net.d');
    const watcher = new NetworkConfigWatcher(confDir, { pollMs: 100, debounceMs: 20 });
    try {
      const first = await watcher.start();
      expect(first.defaultNetwork).toBeUndefined();
      expect(() => watcher.defaultNetwork()).toThrow(NoNetworkConfigError);
      const waiting = watcher.waitForDefault(10_000);
      await mkdir(confDir);
      // Written the way installers should: to a temp name, then renamed into place.
      await writeFile(join(confDir, '.tmp'), list('late'));
      await rename(join(confDir, '.tmp'), join(confDir, '10-late.conflist'));
      expect((await waiting).name).toBe('late');

      const changes: string[] = [];
      watcher.onChange((c) => changes.push(c.networks.map((n) => n.name).join(',')));
      await writeFile(join(confDir, '05-bad.conflist'), 'nope');
      await expect.poll(() => watcher.current().errors.length, { timeout: 5000 }).toBe(1);
      expect(watcher.defaultNetwork().name).toBe('late');
      await writeFile(join(confDir, '01-early.conflist'), list('early'));
      await expect
        .poll(() => watcher.current().defaultNetwork?.name, { timeout: 5000 })
        .toBe('early');
      expect(watcher.network('late')?.name).toBe('late');
      await rm(join(confDir, '01-early.conflist'));
      await rm(join(confDir, '10-late.conflist'));
      await expect.poll(() => watcher.current().defaultNetwork, { timeout: 5000 }).toBeUndefined();
      expect(changes.at(-1)).toBe('');
    } finally {
      watcher.close();
    }
  });

  it('waitForDefault times out with NoNetworkConfigError', async () => {
    const watcher = new NetworkConfigWatcher(dir, { pollMs: 0 });
    await watcher.start();
    await expect(watcher.waitForDefault(100)).rejects.toBeInstanceOf(NoNetworkConfigError);
    watcher.close();
  });
});
