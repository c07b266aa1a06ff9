import { describe, expect, it } from 'vitest';
import { readMounts } from './mount-cleanup.js';
import { mentionsDir } from './proc-scan.js';

describe('mentionsDir', () => {
  it('matches the dir and paths below it, not longer sibling names', () => {
    expect(mentionsDir('/tmp/x-ab12', '/tmp/x-ab12')).toBe(true);
    expect(mentionsDir('--root=/tmp/x-ab12/runc', '/tmp/x-ab12')).toBe(true);
    expect(mentionsDir('unix:///tmp/x-ab12/d.sock', '/tmp/x-ab12')).toBe(true);
    expect(mentionsDir('/tmp/x-ab123/d.sock', '/tmp/x-ab12')).toBe(false);
    expect(mentionsDir('/tmp/x-ab12.old', '/tmp/x-ab12')).toBe(false);
    expect(mentionsDir('/tmp/x-ab123 /tmp/x-ab12/y', '/tmp/x-ab12')).toBe(true);
  });
});

describe('readMounts', () => {
  it('parses mountinfo lines with escaped mount points and optional fields', () => {
    const text = [
      '36 25 0:32 / /tmp/a\\040b rw,relatime shared:1 - overlay overlay rw,lowerdir=/l',
      '40 25 0:35 /sub /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    ].join('\n');
    expect(readMounts(text)).toEqual([
      {
        id: 36,
        parentId: 25,
        root: '/',
        mountPoint: '/tmp/a b',
        fsType: 'overlay',
        superOptions: ['rw', 'lowerdir=/l'],
      },
      {
        id: 40,
        parentId: 25,
        root: '/sub',
        mountPoint: '/sys/fs/cgroup/memory',
        fsType: 'cgroup',
        superOptions: ['rw', 'memory'],
      },
    ]);
  });
});
