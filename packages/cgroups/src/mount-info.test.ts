import { describe, expect, it } from 'vitest';
import { isUnavailable } from './errors.js';
import { parseCgroupMounts } from './mount-info.js';

// A hybrid machine (this VM's /proc/self/mountinfo, trimmed).
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;

// A pure v2 machine (systemd default since 2021).
const UNIFIED = `25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

// Classic v1 with co-mounted cpu,cpuacct and no cgroup2.
const V1 = `30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
31 25 0:27 /docker/abc /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
32 25 0:28 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids`;

describe('parseCgroupMounts', () => {
  it('detects hybrid mode: v1 controllers plus a cgroup2 mount', () => {
    const m = parseCgroupMounts(HYBRID);
    expect(m.mode).toBe('hybrid');
    expect(m.v1.get('memory')?.mountPoint).toBe('/sys/fs/cgroup/memory');
    expect(m.v1.get('name=systemd')?.mountPoint).toBe('/sys/fs/cgroup/systemd');
    expect(m.unified?.mountPoint).toBe('/sys/fs/cgroup/unified');
  });

  it('detects unified mode when only cgroup2 is mounted', () => {
    const m = parseCgroupMounts(UNIFIED);
    expect(m.mode).toBe('unified');
    expect(m.v1.size).toBe(0);
    expect(m.unified).toEqual({ mountPoint: '/sys/fs/cgroup', root: '/', controllers: [] });
  });

  it('detects v1 mode, co-mounted controllers, namespace roots and escaped paths', () => {
    const m = parseCgroupMounts(V1);
    expect(m.mode).toBe('v1');
    expect(m.v1.get('cpu')).toBe(m.v1.get('cpuacct'));
    expect(m.v1.get('cpu')?.controllers).toEqual(['cpu', 'cpuacct']);
    expect(m.v1.get('memory')?.root).toBe('/docker/abc');
    expect(m.v1.get('pids')?.mountPoint).toBe('/sys/fs/cgroup/my pids');
  });

  it('throws UnavailableError without any cgroup mount', () => {
    expect(() => parseCgroupMounts('1 0 8:1 / / rw - ext4 /dev/sda1 rw')).toThrowError(
      expect.objectContaining({ kind: 'unavailable' }),
    );
    try {
      parseCgroupMounts('');
    } catch (err) {
      expect(isUnavailable(err)).toBe(true);
    }
  });
});
