import { expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseNetworkConfig } from './network-config.js';

it('parses a conflist and keeps each plugin as written', () => {
  const net = parseNetworkConfig(
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'n',
      disableCheck: 'true',
      plugins: [{ type: 'bridge', capabilities: { mac: true } }, { type: 'portmap' }],
    }),
  );
  expect(net).toMatchObject({
    name: 'n',
    cniVersion: '1.0.0',
    disableCheck: true,
    disableGC: false,
  });
  expect(net.plugins[0]).toEqual({
    type: 'bridge',
    capabilities: { mac: true },
    raw: { type: 'bridge', capabilities: { mac: true } },
  });
});

it('up-converts a single plugin document', () => {
  const net = parseNetworkConfig(JSON.stringify({ cniVersion: '0.4.0', name: 'one', type: 'ptp' }));
  expect(net.plugins.map((p) => p.type)).toEqual(['ptp']);
});

it('chooses the highest usable version from cniVersions', () => {
  const net = parseNetworkConfig(
    JSON.stringify({
      cniVersion: '1.0.0',
      cniVersions: ['1.0.0', '1.1.0', '1.2.0'],
      name: 'v',
      plugins: [{ type: 'x' }],
    }),
  );
  expect(net.cniVersion).toBe('1.1.0');
  expect(net.cniVersions).toEqual(['1.1.0', '1.0.0']);
});

it.each([
  ['[1]', 'must be a JSON object'],
  ['{"cniVersion":"1.0.0","plugins":[{"type":"x"}]}', 'no "name"'],
  ['{"name":"n","plugins":[{"type":"x"}]}', 'no "cniVersion"'],
  ['{"cniVersion":"0.2.0","name":"n","plugins":[{"type":"x"}]}', 'no usable CNI version'],
  ['{"cniVersion":"1.0.0","name":"n","plugins":{}}', '"plugins" must be a list'],
  ['{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../x"}]}', 'invalid "type"'],
  [
    '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"x","capabilities":{"a":1}}]}',
    'capability "a"',
  ],
  [
    '{"cniVersion":"1.0.0","name":"n","disableGC":"maybe","plugins":[{"type":"x"}]}',
    '"disableGC" must be',
  ],
  ['{"cniVersion":"1.0.0","name":"a b","plugins":[{"type":"x"}]}', 'invalid network name'],
])('rejects %s with a ConfigError naming the file', (text, problem) => {
  let err: unknown;
  try {
    parseNetworkConfig(text, { file: '/etc/cni/net.d/10-x.conflist' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).file).toBe('/etc/cni/net.d/10-x.conflist');
  expect((err as ConfigError).message).toContain(problem);
});
