import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import type { CriClient } from '@capstan/cri-api';
import type { AgentOptions } from './agent.js';
import type { Node } from './pod/types.js';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The Node object the pod API serves. */
export async function nodeObject(o: {
  cri: CriClient;
  options: AgentOptions;
  capacity: { cpuMillis: number; memoryBytes: bigint; pods: number };
  runtime: { name: string; version: string };
  pressure(type: string): { status: boolean; message: string } | undefined;
  healthy(): boolean;
}): Promise<Node> {
  const cap = o.capacity;
  const status = (await o.cri.runtime.status({}).catch(() => undefined))?.status;
  const runtimeReady = status?.conditions.find((c) => c.type === 'RuntimeReady')?.status ?? false;
  const networkReady = status?.conditions.find((c) => c.type === 'NetworkReady')?.status ?? false;
  const images = (await o.cri.image.listImages({}).catch(() => ({ images: [] }))).images;
  const now = new Date().toISOString();
  const memKi = `${cap.memoryBytes / 1024n}Ki`;
  const pressureCond = (type: string, okReason: string, badReason: string, what: string) => {
    const p = o.pressure(type);
    return p?.status
      ? cond(type, true, badReason, p.message || `node has ${what} pressure`)
      : cond(type, false, okReason, `capstan node agent has no ${what} pressure`);
  };
  const cond = (type: string, ok: boolean, reason: string, message: string) => ({
    type,
    status: (ok ? 'True' : 'False') as 'True' | 'False',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.options.nodeName,
      labels: {
        'kubernetes.io/hostname': o.options.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
      creationTimestamp: now,
    },
    spec: {},
    status: {
      capacity: { cpu: String(cpus().length), memory: memKi, pods: String(cap.pods) },
      allocatable: { cpu: String(cpus().length), memory: memKi, pods: String(cap.pods) },
      conditions: [
        pressureCond(
          'MemoryPressure',
          'KubeletHasSufficientMemory',
          'KubeletHasInsufficientMemory',
          'memory',
        ),
        pressureCond('DiskPressure', 'KubeletHasNoDiskPressure', 'KubeletHasDiskPressure', 'disk'),
        pressureCond('PIDPressure', 'KubeletHasSufficientPID', 'KubeletHasInsufficientPID', 'PID'),
        cond(
          'Ready',
          runtimeReady && networkReady && o.healthy(),
          runtimeReady && networkReady ? 'KubeletReady' : 'KubeletNotReady',
          runtimeReady && networkReady
            ? 'capstan node agent is posting ready status'
            : 'container runtime or network not ready',
        ),
      ],
      addresses: [
        { type: 'InternalIP', address: o.options.hostIP },
        { type: 'Hostname', address: o.options.nodeName },
      ],
      nodeInfo: {
        machineID: readText('/etc/machine-id'),
        systemUUID: readText('/sys/class/dmi/id/product_uuid'),
        bootID: readText('/proc/sys/kernel/random/boot_id'),
        kernelVersion: release(),
        osImage: /PRETTY_NAME="([^"]+)"/.exec(readText('/etc/os-release'))?.[1] ?? 'Linux',
        containerRuntimeVersion: `${o.runtime.name}://${o.runtime.version}`,
        kubeletVersion: 'v1.33.0-capstan',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: images.map((i) => ({
        names: [...i.repoDigests, ...i.repoTags],
        sizeBytes: Number(i.size),
      })),
    },
  };
}
