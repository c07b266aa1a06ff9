import { describe, expect, it } from 'vitest';
import { parseStreamingAddress } from './streaming-ops.js';

describe('parseStreamingAddress', () => {
  it('reads host:port, [ipv6]:port and a bare host (any free port)', () => {
    expect(parseStreamingAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseStreamingAddress('10.0.0.5:10010')).toEqual({ host: '10.0.0.5', port: 10010 });
    expect(parseStreamingAddress('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseStreamingAddress('localhost')).toEqual({ host: 'localhost', port: 0 });
  });

  it('refuses what is not an address', () => {
    for (const bad of ['', ':80', '127.0.0.1:', '127.0.0.1:65536', '::1:80', 'a b:1', 'h:-1']) {
      expect(() => parseStreamingAddress(bad), bad).toThrow(/streaming address/);
    }
  });
});
