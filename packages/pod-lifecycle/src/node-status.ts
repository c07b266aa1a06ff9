import { nodeConditions } from './node-conditions.js';
import type { MachineInfo } from './node-machine.js';
import type { Node, NodeCondition } from './pod-types.js';
import type { LifecycleRuntime } from './runtime-client.js';

/** What the node object is built from, besides the machine. */
export interface NodeStatusInput {
  cri: Pick<LifecycleRuntime, 'runtime' | 'image'>;
  nodeName: string;
  hostIP: string;
  machine: MachineInfo;
  maxPods: number;
  /** The runtime as Version named it (`containerd`, `1.6.20`). */
  runtime: { name: string; version: string };
  /** A pressure condition (MemoryPressure, DiskPressure, PIDPressure) when eviction set one. */
  pressure(type: string): { status: boolean; message: string } | undefined;
  /** Whether the agent is healthy (its PLEG relists), and why not. */
  healthy: boolean;
  healthReason?: string | undefined;
  /** Keeps transition times and records transitions (a NodeConditionTracker). */
  track?: ((conditions: NodeCondition[]) => NodeCondition[]) | undefined;
  kubeletVersion: string;
}

/** A quantity of bytes as the kubelet reports it (`<n>Ki`). */
const kib = (bytes: bigint) => `${bytes / 1024n}Ki`;

/**
 * The Node object (the kubelet's node status setters): capacity and allocatable from the
 * machine, conditions from the runtime's status, eviction and health, nodeInfo, images.
 */
export async function describeNode(o: NodeStatusInput): Promise<Node> {
  const m = o.machine;
  const status = (await o.cri.runtime.status({}).catch(() => undefined))?.status;
  const images = (await o.cri.image.listImages({}).catch(() => ({ images: [] }))).images;
  const now = new Date().toISOString();
  const conditions = nodeConditions({
    runtime: status?.conditions,
    pressure: o.pressure,
    health: { ok: o.healthy, ...(o.healthReason ? { reason: o.healthReason } : {}) },
  });
  const tracked =
    o.track?.(conditions) ??
    conditions.map((c) => ({ ...c, lastHeartbeatTime: now, lastTransitionTime: now }));
  const capacity = {
    cpu: String(m.cpuCores),
    memory: kib(m.memoryBytes),
    pods: String(o.maxPods),
    'ephemeral-storage': kib(m.ephemeralStorageBytes),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.nodeName,
      labels: {
        'kubernetes.io/hostname': o.nodeName,
        'kubernetes.io/os': m.operatingSystem,
        'kubernetes.io/arch': m.architecture,
      },
      creationTimestamp: now,
    },
    spec: {},
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: tracked,
      addresses: [
        { type: 'InternalIP', address: o.hostIP },
        { type: 'Hostname', address: o.nodeName },
      ],
      nodeInfo: {
        machineID: m.machineID,
        systemUUID: m.systemUUID,
        bootID: m.bootID,
        kernelVersion: m.kernelVersion,
        osImage: m.osImage,
        containerRuntimeVersion: `${o.runtime.name}://${o.runtime.version}`,
        kubeletVersion: o.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: m.operatingSystem,
        architecture: m.architecture,
      },
      images: images.map((i) => ({
        names: [...i.repoDigests, ...i.repoTags],
        sizeBytes: Number(i.size),
      })),
    },
  };
}
