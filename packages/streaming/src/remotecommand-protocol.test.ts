import { describe, expect, it } from 'vitest';
import {
  negotiateProtocol,
  parseProtocolList,
  protocolFeatures,
  SPDY_REMOTECOMMAND_PROTOCOLS,
} from './remotecommand-protocol.js';

describe('remotecommand protocol negotiation', () => {
  it('takes the first protocol the client offered that the server supports', () => {
    const offered = parseProtocolList([
      'v6.channel.k8s.io, v4.channel.k8s.io',
      'v3.channel.k8s.io',
    ]);
    expect(offered).toEqual(['v6.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io']);
    expect(negotiateProtocol(offered, SPDY_REMOTECOMMAND_PROTOCOLS)).toBe('v4.channel.k8s.io');
    expect(negotiateProtocol(['v9'], SPDY_REMOTECOMMAND_PROTOCOLS)).toBeUndefined();
  });

  it('knows what each version adds', () => {
    expect(protocolFeatures('channel.k8s.io')).toMatchObject({
      version: 1,
      resize: false,
      jsonStatus: false,
    });
    expect(protocolFeatures('')).toMatchObject({ version: 1 });
    expect(protocolFeatures('v2.channel.k8s.io')).toMatchObject({ version: 2, resize: false });
    expect(protocolFeatures('v3.channel.k8s.io')).toMatchObject({
      version: 3,
      resize: true,
      jsonStatus: false,
    });
    expect(protocolFeatures('v4.channel.k8s.io')).toMatchObject({
      version: 4,
      jsonStatus: true,
      closeSignal: false,
    });
    expect(protocolFeatures('v4.base64.channel.k8s.io')).toMatchObject({
      version: 4,
      base64: true,
    });
    expect(protocolFeatures('v5.channel.k8s.io')).toMatchObject({
      version: 5,
      closeSignal: true,
      base64: false,
    });
  });
});
