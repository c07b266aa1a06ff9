import type { ContainerConfig, PodSandboxConfig } from '@capstan/cri-api';

/**
 * Labels the shim puts on every Docker container it makes, so that `inventory()` and
 * orphan removal can find them again after the shim lost its state, and so that a person
 * running `docker ps` sees what each container is. CRI labels and annotations are stored
 * encoded as JSON in one label each (Docker label keys cannot hold every CRI key safely).
 */
export const LABEL = {
  /** Marks a container as made by this shim (value: the shim's instance name). */
  managedBy: 'io.capstan.cri.managed-by',
  /** `sandbox` (the infra container) or `container`. */
  type: 'io.capstan.cri.type',
  /** The CRI server's ID of the sandbox or container. */
  id: 'io.capstan.cri.id',
  /** For containers: their sandbox's CRI ID. */
  sandboxId: 'io.capstan.cri.sandbox-id',
  /** CRI metadata (name, namespace, uid, attempt), JSON. */
  metadata: 'io.capstan.cri.metadata',
  /** CRI labels, JSON. */
  labels: 'io.capstan.cri.labels',
  /** CRI annotations, JSON. */
  annotations: 'io.capstan.cri.annotations',
  /** For containers: the CRI log path the shim writes. */
  logPath: 'io.capstan.cri.log-path',
} as const;

export type ObjectType = 'sandbox' | 'container';

/** The Docker labels of a sandbox's infra container. */
export function sandboxLabels(
  instance: string,
  id: string,
  config: PodSandboxConfig,
): Record<string, string> {
  return {
    [LABEL.managedBy]: instance,
    [LABEL.type]: 'sandbox',
    [LABEL.id]: id,
    [LABEL.metadata]: JSON.stringify(config.metadata ?? {}),
    [LABEL.labels]: JSON.stringify(config.labels),
    [LABEL.annotations]: JSON.stringify(config.annotations),
  };
}

/** The Docker labels of an application container. */
export function containerLabels(
  instance: string,
  id: string,
  sandboxId: string,
  config: ContainerConfig,
  logPath: string,
): Record<string, string> {
  return {
    [LABEL.managedBy]: instance,
    [LABEL.type]: 'container',
    [LABEL.id]: id,
    [LABEL.sandboxId]: sandboxId,
    [LABEL.metadata]: JSON.stringify(config.metadata ?? {}),
    [LABEL.labels]: JSON.stringify(config.labels),
    [LABEL.annotations]: JSON.stringify(config.annotations),
    [LABEL.logPath]: logPath,
  };
}

/** The Engine API `filters` value selecting this shim's objects (of one type, or one ID). */
export function labelFilter(instance: string, type?: ObjectType, id?: string): string {
  const label = [`${LABEL.managedBy}=${instance}`];
  if (type) label.push(`${LABEL.type}=${type}`);
  if (id) label.push(`${LABEL.id}=${id}`);
  return JSON.stringify({ label });
}

/** Docker names must match `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: other characters become `-`. */
const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');

/**
 * dockershim's naming, `k8s_POD_<pod>_<namespace>_<uid>_<attempt>`, plus the first 12
 * characters of the CRI ID: a leftover container of a crashed run can never block a new
 * one with the same pod name.
 */
export function sandboxDockerName(id: string, config: PodSandboxConfig): string {
  const m = config.metadata;
  return safe(`k8s_POD_${m?.name}_${m?.namespace}_${m?.uid}_${m?.attempt ?? 0}_${id.slice(0, 12)}`);
}

/** `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>_<id12>`. */
export function containerDockerName(
  id: string,
  config: ContainerConfig,
  sandbox: PodSandboxConfig,
): string {
  const m = sandbox.metadata;
  return safe(
    `k8s_${config.metadata?.name}_${m?.name}_${m?.namespace}_${m?.uid}_${config.metadata?.attempt ?? 0}_${id.slice(0, 12)}`,
  );
}
