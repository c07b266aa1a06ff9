import { cpus, release, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { goArch, memTotalBytes, readMachineInfo } from './node-machine.js';

describe('the machine', () => {
  it('spells process.arch the way Go (and kubernetes.io/arch) does', () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
    expect(goArch('ia32')).toBe('386');
    expect(goArch('ppc64', true)).toBe('ppc64le');
    expect(goArch('ppc64', false)).toBe('ppc64');
    expect(goArch('s390x')).toBe('s390x');
    expect(goArch('riscv64')).toBe('riscv64');
  });

  it('reads MemTotal from /proc/meminfo text', () => {
    expect(memTotalBytes('MemTotal:       24598584 kB\nMemFree: 1 kB\n')).toBe(24598584n * 1024n);
    expect(memTotalBytes('MemFree: 1 kB\n')).toBeUndefined();
  });

  it('describes this machine: its arch, kernel, CPUs, memory and state filesystem', () => {
    const m = readMachineInfo('/');
    expect(m.architecture).toBe(goArch(process.arch));
    expect(m.operatingSystem).toBe('linux');
    expect(m.kernelVersion).toBe(release());
    expect(m.cpuCores).toBe(cpus().length);
    expect(m.memoryBytes).toBe(BigInt(totalmem()));
    expect(m.ephemeralStorageBytes).toBeGreaterThan(0n);
  });
});
