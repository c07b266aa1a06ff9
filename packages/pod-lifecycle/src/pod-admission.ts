import { cpuMillis, memoryBytes } from './cri-config.js';
import { admitSysctls } from './pod-sysctls.js';
import type { Pod } from './pod-types.js';

/** Math.max for bigints. */
const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);

/** What a node offers pods: CPU, memory and a pod count (its allocatable). */
export interface AdmitCapacity {
  cpuMillis: number;
  memoryBytes: bigint;
  pods: number;
}

/** Why a pod cannot run on this node (the kubelet's admission reasons), or undefined. */
export function admit(
  pod: Pod,
  running: Pod[],
  capacity: AdmitCapacity,
  allowedUnsafeSysctls: readonly string[] = [],
): { reason: string; message: string } | undefined {
  const sysctls = admitSysctls(pod, allowedUnsafeSysctls);
  if (sysctls) return sysctls;
  const active = running.filter(
    (p) =>
      p.metadata.uid !== pod.metadata.uid &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
  if (active.length + 1 > capacity.pods)
    return {
      reason: 'OutOfpods',
      message: `Node didn't have enough resource: pods, limit ${capacity.pods}`,
    };
  const req = (p: Pod) => {
    // Effective request: the larger of the sum of app containers and the largest init container.
    const sum = (
      cs: Pod['spec']['containers'],
      f: (c: Pod['spec']['containers'][number]) => bigint,
    ) => cs.reduce((a, c) => a + f(c), 0n);
    const cpu = (c: Pod['spec']['containers'][number]) =>
      BigInt(cpuMillis(c.resources?.requests?.cpu ?? c.resources?.limits?.cpu));
    const mem = (c: Pod['spec']['containers'][number]) =>
      memoryBytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
    const inits = p.spec.initContainers ?? [];
    const maxOf = (f: typeof cpu) => inits.reduce((a, c) => bigMax(f(c), a), 0n);
    const appCpu = sum(p.spec.containers, cpu);
    const appMem = sum(p.spec.containers, mem);
    return {
      cpu: bigMax(appCpu, maxOf(cpu)),
      mem: bigMax(appMem, maxOf(mem)),
    };
  };
  let usedCpu = 0n;
  let usedMem = 0n;
  for (const p of active) {
    const r = req(p);
    usedCpu += r.cpu;
    usedMem += r.mem;
  }
  const mine = req(pod);
  if (usedCpu + mine.cpu > BigInt(capacity.cpuMillis)) {
    return {
      reason: 'OutOfcpu',
      message: `Node didn't have enough resource: cpu, requested: ${mine.cpu}m, used: ${usedCpu}m, capacity: ${capacity.cpuMillis}m`,
    };
  }
  if (usedMem + mine.mem > capacity.memoryBytes) {
    return {
      reason: 'OutOfmemory',
      message: `Node didn't have enough resource: memory, requested: ${mine.mem}, used: ${usedMem}, capacity: ${capacity.memoryBytes}`,
    };
  }
  const ports = new Set(
    active.flatMap((p) =>
      p.spec.containers.flatMap((c) =>
        (c.ports ?? [])
          .filter((x) => x.hostPort)
          .map((x) => `${x.protocol ?? 'TCP'}/${x.hostPort}`),
      ),
    ),
  );
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && ports.has(`${p.protocol ?? 'TCP'}/${p.hostPort}`)) {
        return {
          reason: 'NodePorts',
          message: `Node didn't have free ports for the requested pod ports: ${p.hostPort}`,
        };
      }
    }
  }
  return undefined;
}
