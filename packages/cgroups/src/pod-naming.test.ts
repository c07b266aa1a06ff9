import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { PodCgroupNaming, validatePodUid } from './pod-naming.js';

const UID = '0f1e2d3c-aaaa-bbbb-cccc-123456789abc';

describe('pod cgroup naming', () => {
  it('cgroupfs: kubepods / qos / pod<uid>', () => {
    const n = new PodCgroupNaming('cgroupfs');
    expect(n.rootPath()).toBe('/kubepods');
    expect(n.qosPath('Burstable')).toBe('/kubepods/burstable');
    expect(n.qosPath('BestEffort')).toBe('/kubepods/besteffort');
    expect(n.qosPath('Guaranteed')).toBe('/kubepods');
    expect(n.podPath('Burstable', UID)).toBe(`/kubepods/burstable/pod${UID}`);
    expect(n.podPath('Guaranteed', UID)).toBe(`/kubepods/pod${UID}`);
    expect(n.podUidOf(`pod${UID}`)).toBe(UID);
    expect(n.podUidOf('burstable')).toBeUndefined();
  });

  it('systemd: nested slices with - escaped to _ (kubelet ToSystemd)', () => {
    const n = new PodCgroupNaming('systemd');
    expect(n.rootPath()).toBe('/kubepods.slice');
    expect(n.qosPath('Burstable')).toBe('/kubepods.slice/kubepods-burstable.slice');
    expect(n.podPath('Burstable', UID)).toBe(
      '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice',
    );
    expect(n.podPath('Guaranteed', UID)).toBe(
      '/kubepods.slice/kubepods-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice',
    );
    expect(n.podUidOf('kubepods-besteffort-pod0f1e2d3c_aaaa_bbbb_cccc_123456789abc.slice')).toBe(
      UID,
    );
  });

  it('places the hierarchy under a parent and escapes a custom root', () => {
    expect(new PodCgroupNaming('cgroupfs', 'capstan-test-1', '/t').qosPath('Burstable')).toBe(
      '/t/capstan-test-1/burstable',
    );
    expect(new PodCgroupNaming('systemd', 'my-pods', '/t').qosPath('BestEffort')).toBe(
      '/t/my_pods.slice/my_pods-besteffort.slice',
    );
  });

  it.each(['', '../x', 'a/b', '..', 'a_b', 'x'.repeat(129), '-a'])('rejects pod uid %j', (uid) => {
    expect(() => validatePodUid(uid)).toThrow(InvalidArgumentError);
  });

  it('rejects bad roots and drivers', () => {
    expect(() => new PodCgroupNaming('cgroupfs', 'a/b')).toThrow(InvalidArgumentError);
    expect(() => new PodCgroupNaming('cgroupfs', '..')).toThrow(InvalidArgumentError);
    expect(() => new PodCgroupNaming('systemd', 'x.slice')).toThrow(InvalidArgumentError);
    expect(() => new PodCgroupNaming('cgroupfs', 'ok', '/a/../b')).toThrow(InvalidArgumentError);
    expect(() => new PodCgroupNaming('other' as 'systemd')).toThrow(InvalidArgumentError);
  });
});
