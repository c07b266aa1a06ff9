import { createHash } from 'node:crypto';
import { type PodResourcesSpec, quantityMilli, quantityValue } from '@capstan/cgroups';
import {
  type ContainerConfig,
  type DeepPartial,
  type Mount,
  NamespaceMode,
  type PodSandboxConfig,
  Protocol,
} from '@capstan/cri-api';
import {
  ANN_CONTAINER_HASH,
  ANN_INIT,
  ANN_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  nsOf,
  podLogDir,
} from './pod-naming.js';
import type { Container, Pod } from './pod-types.js';

/** The CRI sandbox config of a pod (the kubelet's generatePodSandboxConfig, trimmed). */
export function sandboxConfig(
  pod: Pod,
  opts: { attempt: number; logRoot: string; cgroupParent: string; agentId: string },
): DeepPartial<PodSandboxConfig> {
  const spec = pod.spec;
  const hostNet = spec.hostNetwork === true;
  const ports = spec.containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({
        containerPort: p.containerPort,
        hostPort: p.hostPort!,
        protocol:
          p.protocol === 'UDP'
            ? Protocol.UDP
            : p.protocol === 'SCTP'
              ? Protocol.SCTP
              : Protocol.TCP,
        hostIp: p.hostIP ?? '',
      })),
  );
  const sysctls = Object.fromEntries(
    (spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]),
  );
  return {
    metadata: {
      name: pod.metadata.name,
      namespace: nsOf(pod),
      uid: pod.metadata.uid!,
      attempt: opts.attempt,
    },
    // The sandbox's hostname is the pod name unless set; a host-network pod keeps the node's.
    ...(hostNet ? {} : { hostname: (spec.hostname ?? pod.metadata.name).slice(0, 63) }),
    logDirectory: podLogDir(opts.logRoot, pod),
    ...(spec.dnsConfig
      ? {
          dnsConfig: {
            servers: spec.dnsConfig.nameservers ?? [],
            searches: spec.dnsConfig.searches ?? [],
            options: (spec.dnsConfig.options ?? []).map((o) =>
              o.value ? `${o.name}:${o.value}` : o.name,
            ),
          },
        }
      : {}),
    portMappings: ports,
    labels: {
      ...pod.metadata.labels,
      [LABEL_POD_UID]: pod.metadata.uid!,
      [LABEL_POD_NAME]: pod.metadata.name,
      [LABEL_POD_NAMESPACE]: nsOf(pod),
      [LABEL_MANAGED]: opts.agentId,
    },
    annotations: pod.metadata.annotations ?? {},
    linux: {
      cgroupParent: opts.cgroupParent,
      sysctls,
      securityContext: {
        namespaceOptions: {
          network: hostNet ? NamespaceMode.NODE : NamespaceMode.POD,
          pid: spec.hostPID
            ? NamespaceMode.NODE
            : spec.shareProcessNamespace
              ? NamespaceMode.POD
              : NamespaceMode.CONTAINER,
          ipc: spec.hostIPC ? NamespaceMode.NODE : NamespaceMode.POD,
        },
        ...(spec.securityContext?.runAsUser !== undefined
          ? { runAsUser: { value: BigInt(spec.securityContext.runAsUser) } }
          : {}),
        supplementalGroups: (spec.securityContext?.supplementalGroups ?? []).map(BigInt),
      },
    },
  };
}

/** A stable hash of a container's spec: a changed spec means a restart with the new one. */
export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}

/** A memory quantity (`128Mi`, `1G`, `500000`) in bytes; 0 when absent. */
export function memoryBytes(q: string | undefined): bigint {
  return q ? BigInt(quantityValue(q, 'memory')) : 0n;
}

/** A CPU quantity (`500m`, `2`) in millicores; 0 when absent. */
export function cpuMillis(q: string | undefined): number {
  return q ? quantityMilli(q, 'cpu') : 0;
}

/** The CRI container config of one container of a pod. */
export function containerConfig(
  pod: Pod,
  c: Container,
  opts: {
    restartCount: number;
    mounts: DeepPartial<Mount>[];
    init: boolean;
    /** The environment, resolved (see containerEnv). */
    envs: { key: string; value: string }[];
  },
): DeepPartial<ContainerConfig> {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuLimit = cpuMillis(limits.cpu);
  const cpuRequest = cpuMillis(requests.cpu ?? limits.cpu);
  const sc = c.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? pod.spec.securityContext?.runAsUser;
  const runAsGroup = sc.runAsGroup ?? pod.spec.securityContext?.runAsGroup;
  return {
    metadata: { name: c.name, attempt: opts.restartCount },
    image: { image: c.image },
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? '',
    envs: opts.envs,
    mounts: opts.mounts,
    labels: {
      [LABEL_POD_UID]: pod.metadata.uid!,
      [LABEL_POD_NAME]: pod.metadata.name,
      [LABEL_POD_NAMESPACE]: nsOf(pod),
      [LABEL_CONTAINER_NAME]: c.name,
    },
    annotations: {
      [ANN_RESTART_COUNT]: String(opts.restartCount),
      [ANN_CONTAINER_HASH]: containerHash(c),
      ...(opts.init ? { [ANN_INIT]: 'true' } : {}),
    },
    logPath: `${c.name}/${opts.restartCount}.log`,
    stdin: c.stdin ?? false,
    tty: c.tty ?? false,
    linux: {
      resources: {
        cpuShares: BigInt(Math.max(2, Math.round((cpuRequest * 1024) / 1000))),
        ...(cpuLimit > 0 ? { cpuQuota: BigInt(cpuLimit * 100), cpuPeriod: 100_000n } : {}),
        ...(limits.memory ? { memoryLimitInBytes: memoryBytes(limits.memory) } : {}),
      },
      securityContext: {
        privileged: sc.privileged ?? false,
        readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
        ...(runAsUser !== undefined ? { runAsUser: { value: BigInt(runAsUser) } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: BigInt(runAsGroup) } } : {}),
        noNewPrivs: sc.allowPrivilegeEscalation === false,
        capabilities: {
          addCapabilities: sc.capabilities?.add ?? [],
          dropCapabilities: sc.capabilities?.drop ?? [],
        },
        namespaceOptions: {
          network: pod.spec.hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD,
          pid: pod.spec.hostPID
            ? NamespaceMode.NODE
            : pod.spec.shareProcessNamespace
              ? NamespaceMode.POD
              : NamespaceMode.CONTAINER,
          ipc: pod.spec.hostIPC ? NamespaceMode.NODE : NamespaceMode.POD,
        },
      },
    },
  };
}

/** A pod's requests and limits in @capstan/cgroups' shape (QoS, pod cgroup resources). */
export function podResources(pod: Pod): PodResourcesSpec {
  const c = (x: Container) => ({
    resources: { requests: x.resources?.requests ?? {}, limits: x.resources?.limits ?? {} },
  });
  return {
    uid: pod.metadata.uid!,
    containers: pod.spec.containers.map(c),
    initContainers: (pod.spec.initContainers ?? []).map(c),
  };
}
