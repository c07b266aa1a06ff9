import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cgroupMemory,
  describeGroups,
  parseSmapsPss,
  parseStatusRss,
  processMemory,
  summarize,
} from './bench-memory.js';

const FIXTURE = join(import.meta.dirname, '../test/fixtures/stack-cgroup');
const KiB = 1024;

describe('parsers', () => {
  it('reads VmRSS, not VmHWM or RssAnon', () => {
    expect(parseStatusRss('VmHWM:\t 900 kB\nVmRSS:\t  812 kB\nRssAnon:\t 100 kB\n')).toBe(
      812 * KiB,
    );
  });
  it('is 0 for a kernel thread (no VmRSS line)', () => {
    expect(parseStatusRss('Name:\tkthreadd\nState:\tS\n')).toBe(0);
  });
  it('reads Pss, not Pss_Anon or SwapPss', () => {
    const rollup = 'Rss:  500 kB\nPss_Anon:  7 kB\nPss:  123 kB\nSwapPss: 9 kB\n';
    expect(parseSmapsPss(rollup)).toBe(123 * KiB);
  });
});

describe('cgroupMemory', () => {
  it('sums every process listed in cgroup.procs, skipping one that ended', () => {
    const s = cgroupMemory(join(FIXTURE, 'cgroup'), join(FIXTURE, 'proc'));
    expect(s.source).toBe('cgroup');
    expect(s.rssBytes).toBe((40000 + 12000 + 12004 + 90000) * KiB);
    expect(s.pssBytes).toBe((30000 + 4500 + 4502 + 60000) * KiB);
    expect(s.groups).toEqual([
      { comm: 'node', count: 1, rssBytes: 90000 * KiB, pssBytes: 60000 * KiB },
      { comm: 'containerd', count: 1, rssBytes: 40000 * KiB, pssBytes: 30000 * KiB },
      { comm: 'containerd-shim', count: 2, rssBytes: 24004 * KiB, pssBytes: 9002 * KiB },
    ]);
    expect(describeGroups(s)).toBe('1 node, 1 containerd, 2 containerd-shim');
  });
  it('reads one process with its comm', () => {
    expect(processMemory(102, join(FIXTURE, 'proc'))).toEqual({
      pid: 102,
      comm: 'containerd-shim',
      rssBytes: 12000 * KiB,
      pssBytes: 4500 * KiB,
    });
    expect(processMemory(104, join(FIXTURE, 'proc'))).toBeUndefined();
  });
  it('counts this very process when pointed at the real /proc', () => {
    const me = processMemory(process.pid);
    expect(me?.rssBytes).toBeGreaterThan(0);
    expect(me?.pssBytes).toBeGreaterThan(0);
    expect(me!.pssBytes).toBeLessThanOrEqual(me!.rssBytes + 4 * KiB);
  });
});

describe('summarize', () => {
  it('orders groups by RSS and is zero for no process', () => {
    expect(summarize('cgroup', [])).toEqual({
      source: 'cgroup',
      rssBytes: 0,
      pssBytes: 0,
      groups: [],
    });
    const s = summarize('socket', [
      { pid: 1, comm: 'a', rssBytes: 1, pssBytes: 1 },
      { pid: 2, comm: 'b', rssBytes: 5, pssBytes: 2 },
    ]);
    expect(s.groups.map((g) => g.comm)).toEqual(['b', 'a']);
  });
});
