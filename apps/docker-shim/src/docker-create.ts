import { isAbsolute, normalize } from 'node:path';
import {
  type ContainerConfig,
  InvalidArgumentError,
  type Mount,
  MountPropagation,
  NamespaceMode,
  type PodSandboxConfig,
} from '@capstan/cri-api';
import {
  capabilitySet,
  checkHostname,
  checkSysctls,
  containerOomScoreAdj,
  resolveSeccomp,
  restrictOomScoreAdj,
  type SandboxFiles,
  userSpec,
} from '@capstan/cri-server';
import type Docker from 'dockerode';
import { dockerResources } from './docker-resources.js';
import {
  containerSecurity,
  type NodeCaps,
  privilegedHostConfig,
  seccompSecurityOpt,
} from './docker-security.js';
import {
  containerDockerName,
  containerLabels,
  sandboxDockerName,
  sandboxLabels,
} from './labels.js';

/** The infra container's oom_score_adj, as the kubelet's dockershim asked (-998). */
export const INFRA_OOM_SCORE_ADJ = -998;

/** The pod's namespace choices. */
export function podNamespaces(config: PodSandboxConfig) {
  const ns = config.linux?.securityContext?.namespaceOptions;
  return {
    hostNetwork: ns?.network === NamespaceMode.NODE,
    hostPid: ns?.pid === NamespaceMode.NODE,
    hostIpc: ns?.ipc === NamespaceMode.NODE,
  };
}

function checkCgroupParent(parent: string): string {
  if (parent && (parent.split('/').includes('..') || /[\s:]/.test(parent))) {
    throw new InvalidArgumentError(`cgroup_parent ${JSON.stringify(parent)} is not a cgroup path`);
  }
  return parent;
}

export interface InfraOptions {
  id: string;
  config: PodSandboxConfig;
  /** The pause image's ID. */
  image: string;
  instance: string;
  sysctlWhitelist: readonly string[];
  oomFloor: number | undefined;
  /** Capabilities the node can grant. */
  nodeCaps: NodeCaps;
}

/**
 * The Docker create body of a sandbox's infra (pause) container: Docker networking off
 * (`none`, the pod network comes from CNI) or the host's; a shareable IPC namespace the
 * containers join; its own PID namespace (the pause process is PID 1 of pod-shared PID
 * pods) unless host PID; the pod's sysctls (checked against the node whitelist), cgroup
 * parent, hostname and labels.
 */
export function infraCreateBody(o: InfraOptions): Docker.ContainerCreateOptions {
  const { config } = o;
  const ns = podNamespaces(config);
  const sc = config.linux?.securityContext;
  const sysctls = checkSysctls(config.linux?.sysctls ?? {}, o.sysctlWhitelist, {
    network: ns.hostNetwork,
    ipc: ns.hostIpc,
  });
  if (config.hostname) checkHostname(config.hostname);
  const securityOpt: string[] = [];
  const privileged = sc?.privileged ?? false;
  const seccomp = seccompSecurityOpt(
    resolveSeccomp(sc?.seccomp, sc?.seccompProfilePath ?? '', privileged),
    privileged,
  );
  if (seccomp) securityOpt.push(seccomp);
  const user = sc ? userSpec(sc.runAsUser, '', sc.runAsGroup) : undefined;
  return {
    name: sandboxDockerName(o.id, config),
    Image: o.image,
    // Pod network: Docker's networking stays out entirely (NetworkDisabled: no libnetwork
    // sandbox, no `libnetwork-setkey` prestart hook re-executing dockerd); runc makes a
    // fresh netns that CNI then sets up. That halves Docker's start of the infra container.
    ...(ns.hostNetwork
      ? {}
      : {
          Hostname: config.hostname || (config.metadata?.name ?? 'pod').slice(0, 63),
          NetworkDisabled: true,
        }),
    ...(user !== undefined ? { User: user } : {}),
    Labels: sandboxLabels(o.instance, o.id, config),
    HostConfig: {
      NetworkMode: ns.hostNetwork ? 'host' : 'none',
      ...(ns.hostNetwork ? { UTSMode: 'host' } : {}),
      IpcMode: ns.hostIpc ? 'host' : 'shareable',
      ...(ns.hostPid ? { PidMode: 'host' } : {}),
      CgroupParent: checkCgroupParent(config.linux?.cgroupParent ?? ''),
      Sysctls: sysctls,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: capabilitySet([], [], o.nodeCaps.grantable),
      SecurityOpt: securityOpt,
      ...(privileged ? privilegedHostConfig(o.nodeCaps) : {}),
      ReadonlyRootfs: sc?.readonlyRootfs ?? false,
      OomScoreAdj: restrictOomScoreAdj(INFRA_OOM_SCORE_ADJ, o.oomFloor),
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

const PROPAGATION: Record<number, string> = {
  [MountPropagation.PROPAGATION_PRIVATE]: 'rprivate',
  [MountPropagation.PROPAGATION_HOST_TO_CONTAINER]: 'rslave',
  [MountPropagation.PROPAGATION_BIDIRECTIONAL]: 'rshared',
};

/** A CRI mount as a Docker bind (`host:container[:ro,rslave]`); relative paths refused. */
export function dockerBind(m: Mount): string {
  if (!isAbsolute(m.hostPath))
    throw new InvalidArgumentError(
      `mount host_path ${JSON.stringify(m.hostPath)} must be absolute`,
    );
  if (!isAbsolute(m.containerPath))
    throw new InvalidArgumentError(
      `mount container_path ${JSON.stringify(m.containerPath)} must be absolute`,
    );
  if (m.image?.image)
    throw new InvalidArgumentError('image volume mounts are not supported by the docker shim');
  if (/[,:]/.test(m.hostPath) || /[,:]/.test(m.containerPath)) {
    throw new InvalidArgumentError(
      `mount ${m.hostPath}:${m.containerPath}: paths with ':' or ',' cannot be bound by Docker`,
    );
  }
  const opts = [m.readonly ? 'ro' : 'rw'];
  const prop = PROPAGATION[m.propagation];
  if (prop === undefined)
    throw new InvalidArgumentError(`mount propagation ${m.propagation} is not known`);
  opts.push(prop);
  return `${m.hostPath}:${m.containerPath}:${opts.join(',')}`;
}

export interface ContainerOptions {
  id: string;
  config: ContainerConfig;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  /** The sandbox's infra container (Docker ID). */
  infraId: string;
  /** Docker ID of a TARGET namespace container, when the config names one. */
  targetId?: string;
  /** The image ID the server resolved. */
  image: string;
  logPath: string;
  instance: string;
  files: SandboxFiles;
  oomFloor: number | undefined;
  nodeCaps: NodeCaps;
}

/**
 * The Docker create body of an application container: it joins the infra container's
 * network and IPC namespaces, and its PID namespace when the pod shares one (NamespaceMode
 * POD, the default); security, resources, mounts, devices and the per-sandbox resolv.conf,
 * hosts and hostname files.
 */
export function containerCreateBody(o: ContainerOptions): Docker.ContainerCreateOptions {
  const { config } = o;
  const pod = podNamespaces(o.sandboxConfig);
  const cns = config.linux?.securityContext?.namespaceOptions;
  const infra = `container:${o.infraId}`;
  let pidMode = '';
  // A container without namespace options takes the pod's (POD = 0 is the default).
  const pid = cns
    ? cns.pid
    : (o.sandboxConfig.linux?.securityContext?.namespaceOptions?.pid ?? NamespaceMode.POD);
  if (pid === NamespaceMode.NODE || pod.hostPid) pidMode = 'host';
  else if (pid === NamespaceMode.POD) pidMode = infra;
  else if (pid === NamespaceMode.TARGET) {
    if (!o.targetId)
      throw new InvalidArgumentError(
        `namespace target ${JSON.stringify(cns?.targetId ?? '')} is not a container of this runtime`,
      );
    pidMode = `container:${o.targetId}`;
  }
  const ipcMode = cns?.ipc === NamespaceMode.NODE || pod.hostIpc ? 'host' : infra;
  const security = containerSecurity(config.linux?.securityContext, o.nodeCaps);
  const mounts = config.mounts;
  const binds = mounts.map(dockerBind);
  const mounted = new Set(mounts.map((m) => normalize(m.containerPath)));
  const ro = security.hostConfig.ReadonlyRootfs ? 'ro' : 'rw';
  for (const [path, file] of [
    ['/etc/resolv.conf', o.files.resolvConf],
    ['/etc/hosts', o.files.hosts],
    ['/etc/hostname', o.files.hostname],
  ] as const) {
    if (!mounted.has(path)) binds.push(`${file}:${path}:${ro}`);
  }
  const devices = config.devices.map((d) => {
    if (!isAbsolute(d.hostPath) || !isAbsolute(d.containerPath)) {
      throw new InvalidArgumentError(
        `device ${d.hostPath} -> ${d.containerPath}: paths must be absolute`,
      );
    }
    if (d.permissions && !/^[rwm]{1,3}$/.test(d.permissions)) {
      throw new InvalidArgumentError(
        `device ${d.hostPath}: permissions ${JSON.stringify(d.permissions)} are not a subset of rwm`,
      );
    }
    return {
      PathOnHost: d.hostPath,
      PathInContainer: d.containerPath,
      CgroupPermissions: d.permissions || 'rwm',
    };
  });
  for (const e of config.envs) {
    if (!e.key || e.key.includes('='))
      throw new InvalidArgumentError(
        `environment variable name ${JSON.stringify(e.key)} is invalid`,
      );
  }
  if (config.workingDir && !isAbsolute(config.workingDir)) {
    throw new InvalidArgumentError(
      `working_dir ${JSON.stringify(config.workingDir)} must be absolute`,
    );
  }
  const resources = config.linux?.resources;
  return {
    name: containerDockerName(o.id, config, o.sandboxConfig),
    Image: o.image,
    ...(config.command.length > 0 ? { Entrypoint: config.command } : {}),
    ...(config.args.length > 0 ? { Cmd: config.args } : {}),
    Env: config.envs.map((e) => `${e.key}=${e.value}`),
    ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
    ...(security.user !== undefined ? { User: security.user } : {}),
    Tty: config.tty,
    OpenStdin: config.stdin,
    StdinOnce: config.stdinOnce,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Labels: containerLabels(o.instance, o.id, o.sandboxId, config, o.logPath),
    HostConfig: {
      NetworkMode: infra,
      IpcMode: ipcMode,
      PidMode: pidMode,
      CgroupParent: checkCgroupParent(o.sandboxConfig.linux?.cgroupParent ?? ''),
      Binds: binds,
      ...security.hostConfig,
      Devices: [
        ...devices,
        ...(security.hostConfig.Devices ?? []).filter(
          (h) => !devices.some((d) => d.PathInContainer === h.PathInContainer),
        ),
      ],
      ...dockerResources(resources),
      OomScoreAdj: containerOomScoreAdj(resources, o.oomFloor),
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '50m', 'max-file': '2' } },
    },
  };
}
