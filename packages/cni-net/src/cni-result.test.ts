import { expect, it } from 'vitest';
import { convertResult, parseCniResult, podIps } from './cni-result.js';

const bridgeResult = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'cbr0', mac: 'aa' },
    { name: 'veth1', mac: 'bb' },
    { name: 'eth0', mac: 'cc', sandbox: '/run/netns/p' },
  ],
  ips: [{ interface: 2, address: '10.244.1.5/24', gateway: '10.244.1.1' }],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};

it('parses a 1.0.0 result and finds the pod addresses', () => {
  const r = parseCniResult(bridgeResult);
  expect(r.interfaces[2]).toEqual({ name: 'eth0', mac: 'cc', sandbox: '/run/netns/p' });
  expect(podIps(r)).toEqual([
    { ip: '10.244.1.5', prefixLength: 24, family: 4, gateway: '10.244.1.1', interfaceName: 'eth0' },
  ]);
});

it('accepts 0.4.0 and 0.3.1 results (addresses with "version") in the 1.x shape', () => {
  const old = { cniVersion: '0.3.1', ips: [{ version: '6', address: 'fd00::5/64' }] };
  const r = parseCniResult(old);
  expect(r.ips).toEqual([{ address: 'fd00::5/64' }]);
  expect(podIps(r)[0]).toMatchObject({ ip: 'fd00::5', family: 6 });
});

it('rejects what is not a result, saying why', () => {
  expect(() => parseCniResult('x')).toThrow('not a JSON object');
  expect(() => parseCniResult({ ips: [] })).toThrow('no "cniVersion"');
  expect(() => parseCniResult({ cniVersion: '0.2.0' })).toThrow('not supported');
  expect(() => parseCniResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.1' }] })).toThrow(
    'prefix length',
  );
  expect(() =>
    parseCniResult({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/8', interface: 3 }] }),
  ).toThrow('not an index');
});

it('converts between 1.x and 0.x shapes for prevResult', () => {
  const to04 = convertResult(bridgeResult, '0.4.0');
  expect(to04).toMatchObject({
    cniVersion: '0.4.0',
    ips: [{ version: '4', address: '10.244.1.5/24' }],
  });
  const back = convertResult(to04, '1.0.0');
  expect(back).toEqual(bridgeResult);
});
