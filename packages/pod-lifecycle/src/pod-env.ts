import { quantityMilli, quantityValue } from '@capstan/cgroups';
import { InvalidArgumentError } from '@capstan/errdefs';
import { nsOf } from './pod-naming.js';
import type { Container, Pod } from './pod-types.js';

/**
 * A container's environment cannot be built (a missing configMap key, an unknown field
 * path...): the kubelet leaves such a container waiting with CreateContainerConfigError.
 */
export class EnvError extends InvalidArgumentError {
  readonly reason = 'CreateContainerConfigError';
}

/** What the environment of a pod's containers is built from, besides the pod itself. */
export interface EnvContext {
  podIP: string;
  hostIP: string;
  /** A key of a local configMap or secret; undefined when the object or key is absent. */
  lookup(
    kind: 'configmaps' | 'secrets',
    namespace: string,
    name: string,
    key: string,
  ): string | undefined;
  /** All keys of a local configMap or secret; undefined when the object is absent. */
  lookupAll(
    kind: 'configmaps' | 'secrets',
    namespace: string,
    name: string,
  ): Record<string, string> | undefined;
  /** What a container without a limit may use (the kubelet uses node allocatable). */
  allocatable: { cpuMillis: number; memoryBytes: bigint };
}

/**
 * The value of a downward API field path, for env (`fieldRef`) and downwardAPI volumes:
 * metadata.name / namespace / uid, `metadata.labels['k']`, `metadata.annotations['k']`,
 * spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.
 * Whole-map paths (`metadata.labels`) only where `allowMaps` (volumes).
 */
export function fieldValue(
  pod: Pod,
  path: string,
  ips: { podIP: string; hostIP: string },
  allowMaps = false,
): string {
  const m = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? m.labels : m.annotations)?.[keyed[2]!] ?? '';
  const fmt = (o: Record<string, string> | undefined) =>
    Object.entries(o ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  switch (path) {
    case 'metadata.name':
      return m.name;
    case 'metadata.namespace':
      return nsOf(pod);
    case 'metadata.uid':
      return m.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
      return ips.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return ips.podIP;
  }
  if (allowMaps && path === 'metadata.labels') return fmt(m.labels);
  if (allowMaps && path === 'metadata.annotations') return fmt(m.annotations);
  throw new EnvError(`field path ${JSON.stringify(path)} is not supported`);
}

/**
 * A `resourceFieldRef` value: limits.cpu / requests.cpu (cores, rounded up, divisor
 * applied), limits.memory / requests.memory (bytes / divisor, rounded up), ephemeral
 * storage likewise; a limit that is not set is the node's allocatable, as the kubelet does.
 */
export function resourceValue(
  c: Container,
  resource: string,
  divisor: string | undefined,
  allocatable: EnvContext['allocatable'],
): string {
  const limits = (c.resources?.limits ?? {}) as Record<string, string>;
  const requests = (c.resources?.requests ?? {}) as Record<string, string>;
  const [kind, name] = resource.split('.') as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) {
    throw new EnvError(`resource ${JSON.stringify(resource)} is not limits.* or requests.*`);
  }
  const given = kind === 'limits' ? limits[name] : (requests[name] ?? limits[name]);
  try {
    if (name === 'cpu') {
      const milli =
        given !== undefined
          ? quantityMilli(given, resource)
          : kind === 'limits'
            ? allocatable.cpuMillis
            : 0;
      const div = divisor ? quantityMilli(divisor, 'divisor') : 1000;
      if (div <= 0) throw new EnvError(`divisor ${divisor} must be positive`);
      return String(Math.ceil(milli / div));
    }
    if (name === 'memory' || name === 'ephemeral-storage') {
      const bytes =
        given !== undefined
          ? quantityValue(given, resource)
          : kind === 'limits' && name === 'memory'
            ? Number(allocatable.memoryBytes)
            : 0;
      const div = divisor ? quantityValue(divisor, 'divisor') : 1;
      if (div <= 0) throw new EnvError(`divisor ${divisor} must be positive`);
      return String(Math.ceil(bytes / div));
    }
  } catch (err) {
    if (err instanceof EnvError) throw err;
    throw new EnvError(`resource ${resource}: ${(err as Error).message}`);
  }
  throw new EnvError(`resource ${JSON.stringify(resource)} is not supported`);
}

/** `$(VAR)` expanded from `vars`, `$$` an escaped `$`; unknown references stay as written. */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) =>
    name === undefined ? '$' : (vars.get(name) ?? all),
  );
}

/**
 * A container's environment as the kubelet builds it: `envFrom` sources first (prefixed,
 * keys that are not valid names skipped), then `env` in order, each value with `$(VAR)`
 * references to earlier variables expanded, `valueFrom` resolved (fieldRef,
 * resourceFieldRef, configMapKeyRef, secretKeyRef, `optional` honoured). Throws
 * {@link EnvError} for what cannot be resolved.
 */
export function containerEnv(
  pod: Pod,
  c: Container,
  ctx: EnvContext,
): { key: string; value: string }[] {
  const ns = nsOf(pod);
  const vars = new Map<string, string>();
  const order: string[] = [];
  const set = (k: string, v: string) => {
    if (!vars.has(k)) order.push(k);
    vars.set(k, v);
  };
  for (const src of c.envFrom ?? []) {
    const ref = src.configMapRef ?? src.secretRef;
    const kind = src.configMapRef ? 'configmaps' : 'secrets';
    if (!ref) throw new EnvError('envFrom needs configMapRef or secretRef');
    const all = ctx.lookupAll(kind, ns, ref.name);
    if (!all) {
      if (ref.optional) continue;
      throw new EnvError(
        `${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`,
      );
    }
    for (const [k, v] of Object.entries(all)) {
      const key = `${src.prefix ?? ''}${k}`;
      if (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) set(key, v);
    }
  }
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      set(e.name, expandVars(e.value ?? '', vars));
      continue;
    }
    if (from.fieldRef) {
      set(e.name, fieldValue(pod, from.fieldRef.fieldPath, ctx));
    } else if (from.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName
        ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find(
            (x) => x.name === from.resourceFieldRef!.containerName,
          )
        : c;
      if (!target)
        throw new EnvError(
          `resourceFieldRef names no container ${from.resourceFieldRef.containerName}`,
        );
      set(
        e.name,
        resourceValue(
          target,
          from.resourceFieldRef.resource,
          from.resourceFieldRef.divisor,
          ctx.allocatable,
        ),
      );
    } else if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const kind = from.configMapKeyRef ? 'configmaps' : 'secrets';
      const value = ctx.lookup(kind, ns, ref.name, ref.key);
      if (value === undefined) {
        if (ref.optional) continue;
        const what = kind === 'configmaps' ? 'configmap' : 'secret';
        throw new EnvError(`couldn't find key ${ref.key} in ${what} ${ns}/${ref.name}`);
      }
      set(e.name, value);
    } else {
      throw new EnvError(`env ${e.name}: valueFrom has no source`);
    }
  }
  return order.map((key) => ({ key, value: vars.get(key)! }));
}
