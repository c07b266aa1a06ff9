import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  capabilitySet,
  DEFAULT_CAPABILITIES,
  nodeCapabilities,
  normalizeCapability,
} from './security-capabilities.js';

describe('capabilitySet', () => {
  it('is the default set written out in full when nothing is added or dropped', () => {
    expect(capabilitySet()).toEqual([...DEFAULT_CAPABILITIES].sort());
  });
  it('applies adds and drops, with or without the CAP_ prefix and in any case', () => {
    const set = capabilitySet(['net_admin'], ['CHOWN']);
    expect(set).toContain('CAP_NET_ADMIN');
    expect(set).not.toContain('CAP_CHOWN');
  });
  it('drop ALL then add gives exactly the adds; add ALL gives every capability the node has', () => {
    expect(capabilitySet(['NET_BIND_SERVICE'], ['ALL'])).toEqual(['CAP_NET_BIND_SERVICE']);
    const node = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
    expect(capabilitySet(['ALL'], [], node)).toEqual([...node].sort());
  });
  it('refuses unknown capabilities and ones the node cannot grant', () => {
    expect(() => normalizeCapability('NOT_A_CAP')).toThrow(/not a Linux capability/);
    const node = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
    expect(() => capabilitySet(['SYS_RESOURCE'], [], node)).toThrow(/bounding set/);
  });
});

describe('nodeCapabilities', () => {
  it('reads the bounding set from /proc/<pid>/status (bit n = capability n)', () => {
    expect(nodeCapabilities('CapBnd:\t000001fffeffffff\n')).not.toContain('CAP_SYS_RESOURCE');
    expect(nodeCapabilities('CapBnd:\t000001fffeffffff\n')).toHaveLength(40);
    expect(nodeCapabilities('CapBnd:\t0000000000000001\n')).toEqual(['CAP_CHOWN']);
  });
});
