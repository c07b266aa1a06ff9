import { readFileSync, statfsSync } from 'node:fs';
import { cpus, endianness, platform, release, totalmem } from 'node:os';

/** What the node object says about the machine, read from it (never written in). */
export interface MachineInfo {
  /** Go's GOARCH name (`amd64`, `arm64`, ...), as Kubernetes labels nodes. */
  architecture: string;
  /** Go's GOOS name (`linux`). */
  operatingSystem: string;
  /** `uname -r`. */
  kernelVersion: string;
  /** PRETTY_NAME of /etc/os-release. */
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  cpuCores: number;
  /** MemTotal of /proc/meminfo. */
  memoryBytes: bigint;
  /** Size of the filesystem holding the agent's state (statfs of its root dir). */
  ephemeralStorageBytes: bigint;
}

/** Node's `process.arch` names that Go spells differently (the rest are the same). */
const GO_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  mipsel: 'mipsle',
  mips64el: 'mips64le',
};

/** Node's `process.arch` in Go's GOARCH spelling (what `kubernetes.io/arch` holds). */
export function goArch(arch: string = process.arch, littleEndian = endianness() === 'LE'): string {
  if (arch === 'ppc64') return littleEndian ? 'ppc64le' : 'ppc64';
  return GO_ARCH[arch] ?? arch;
}

/** MemTotal of a /proc/meminfo text, in bytes (undefined when absent). */
export function memTotalBytes(meminfo: string): bigint | undefined {
  const kb = /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo)?.[1];
  return kb === undefined ? undefined : BigInt(kb) * 1024n;
}

const readText = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Reads the machine: `process.arch`, the os module, /proc/meminfo, statfs of `stateDir`. */
export function readMachineInfo(stateDir: string): MachineInfo {
  let storage = 0n;
  try {
    const st = statfsSync(stateDir, { bigint: true });
    storage = st.blocks * st.bsize;
  } catch {
    // no such directory yet: report 0 rather than fail the node object
  }
  return {
    architecture: goArch(),
    operatingSystem: platform() === 'win32' ? 'windows' : platform(),
    kernelVersion: release(),
    osImage: /PRETTY_NAME="([^"]+)"/.exec(readText('/etc/os-release'))?.[1] ?? 'Linux',
    machineID: readText('/etc/machine-id'),
    systemUUID: readText('/sys/class/dmi/id/product_uuid'),
    bootID: readText('/proc/sys/kernel/random/boot_id'),
    cpuCores: cpus().length,
    memoryBytes: memTotalBytes(readText('/proc/meminfo')) ?? BigInt(totalmem()),
    ephemeralStorageBytes: storage,
  };
}
