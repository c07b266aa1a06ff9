import type { Pod } from '../pod/types.js';
import { isLabelKey, isLabelValue } from './api-selectors.js';
import { ApiStatusError, badRequest, invalid } from './api-status.js';

// What the API checks before a pod reaches the manager: the object's shape, its name,
// and (as the API server's fieldValidation does) fields the core/v1 Pod does not have.

const POD_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];
const SPEC_FIELDS = [
  'activeDeadlineSeconds',
  'affinity',
  'automountServiceAccountToken',
  'containers',
  'dnsConfig',
  'dnsPolicy',
  'enableServiceLinks',
  'ephemeralContainers',
  'hostAliases',
  'hostIPC',
  'hostNetwork',
  'hostPID',
  'hostUsers',
  'hostname',
  'imagePullSecrets',
  'initContainers',
  'nodeName',
  'nodeSelector',
  'os',
  'overhead',
  'preemptionPolicy',
  'priority',
  'priorityClassName',
  'readinessGates',
  'resourceClaims',
  'resources',
  'restartPolicy',
  'runtimeClassName',
  'schedulerName',
  'schedulingGates',
  'securityContext',
  'serviceAccount',
  'serviceAccountName',
  'setHostnameAsFQDN',
  'shareProcessNamespace',
  'subdomain',
  'terminationGracePeriodSeconds',
  'tolerations',
  'topologySpreadConstraints',
  'volumes',
];
const CONTAINER_FIELDS = [
  'args',
  'command',
  'env',
  'envFrom',
  'image',
  'imagePullPolicy',
  'lifecycle',
  'livenessProbe',
  'name',
  'ports',
  'readinessProbe',
  'resizePolicy',
  'resources',
  'restartPolicy',
  'securityContext',
  'startupProbe',
  'stdin',
  'stdinOnce',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'tty',
  'volumeDevices',
  'volumeMounts',
  'workingDir',
];
const PORT_FIELDS = ['containerPort', 'hostIP', 'hostPort', 'name', 'protocol'];
const ENV_FIELDS = ['name', 'value', 'valueFrom'];
const MOUNT_FIELDS = [
  'mountPath',
  'mountPropagation',
  'name',
  'readOnly',
  'recursiveReadOnly',
  'subPath',
  'subPathExpr',
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The paths of fields a core/v1 Pod does not define (`spec.containers[0].imag`), down to
 * containers, their ports, env and mounts. Deeper structures (probes, volumes' sources,
 * affinity) are not checked. Keys starting with `$` (patch directives) are skipped.
 */
export function unknownPodFields(pod: unknown): string[] {
  const out: string[] = [];
  const check = (obj: unknown, known: string[], path: string) => {
    if (!isObject(obj)) return;
    for (const key of Object.keys(obj)) {
      if (!known.includes(key) && !key.startsWith('$')) out.push(path ? `${path}.${key}` : key);
    }
  };
  const each = (
    list: unknown,
    known: string[],
    path: string,
    inner?: (o: unknown, p: string) => void,
  ) => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      check(item, known, `${path}[${i}]`);
      inner?.(item, `${path}[${i}]`);
    });
  };
  check(pod, POD_FIELDS, '');
  if (!isObject(pod)) return out;
  check(pod.metadata, META_FIELDS, 'metadata');
  check(pod.spec, SPEC_FIELDS, 'spec');
  if (isObject(pod.spec)) {
    for (const list of ['containers', 'initContainers'] as const) {
      each(pod.spec[list], CONTAINER_FIELDS, `spec.${list}`, (c, p) => {
        if (!isObject(c)) return;
        each(c.ports, PORT_FIELDS, `${p}.ports`);
        each(c.env, ENV_FIELDS, `${p}.env`);
        each(c.volumeMounts, MOUNT_FIELDS, `${p}.volumeMounts`);
      });
    }
  }
  return out;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(value: string | undefined): FieldValidation {
  if (value === undefined || value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: invalid value "${value}": must be one of Ignore, Warn or Strict`,
  );
}

/**
 * Applies `fieldValidation` to a body: Strict fails with the API server's "strict decoding
 * error" (400), Warn returns the warnings for `Warning` headers, Ignore returns none.
 */
export function checkUnknownFields(body: unknown, mode: FieldValidation): string[] {
  if (mode === 'Ignore') return [];
  const unknown = unknownPodFields(body);
  if (unknown.length === 0) return [];
  if (mode === 'Strict') {
    throw badRequest(
      `Pod in version "v1" cannot be handled as a Pod: strict decoding error: ${unknown
        .map((f) => `unknown field "${f}"`)
        .join(', ')}`,
    );
  }
  return unknown.map((f) => `unknown field "${f}"`);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

export const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Checks labels and annotations: string values, valid label keys and values. */
export function validateMetadataMaps(name: string, meta: Record<string, unknown>): void {
  for (const field of ['labels', 'annotations'] as const) {
    const map = meta[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) throw badRequest(`metadata.${field}: expected an object of strings`);
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string') {
        throw badRequest(`metadata.${field}.${k}: expected a string, got ${JSON.stringify(v)}`);
      }
      if (!isLabelKey(k)) {
        throw invalid(
          'Pod',
          name,
          `metadata.${field}`,
          `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        );
      }
      if (field === 'labels' && !isLabelValue(v)) {
        throw invalid(
          'Pod',
          name,
          `metadata.labels`,
          `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        );
      }
    }
  }
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];

/**
 * Checks a pod body for create: a Pod of v1, a valid name (or generateName), at least one
 * container with a unique DNS-label name and an image. 400 for a malformed body, 422 for
 * an invalid pod, worded like the API server's messages.
 */
export function validatePodForCreate(body: unknown, namespace: string): Pod {
  if (!isObject(body)) throw badRequest('the request body must be a Pod object');
  if (body.kind !== undefined && body.kind !== 'Pod') {
    throw badRequest(
      `the object kind "${String(body.kind)}" cannot be created at a pods URL: expected kind Pod`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== 'v1') {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (v1)`,
    );
  }
  if (!isObject(body.metadata))
    throw invalid('Pod', '', 'metadata.name', 'Required value: name or generateName is required');
  const meta = body.metadata;
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (meta.name !== undefined && typeof meta.name !== 'string')
    throw badRequest('metadata.name: expected a string');
  if (name === '' && (typeof meta.generateName !== 'string' || meta.generateName === '')) {
    throw invalid('Pod', '', 'metadata.name', 'Required value: name or generateName is required');
  }
  if (name !== '' && !isDns1123Subdomain(name)) {
    throw invalid('Pod', name, 'metadata.name', `Invalid value: "${name}": ${SUBDOMAIN_MESSAGE}`);
  }
  validateMetadataMaps(name, meta);
  const spec = body.spec;
  if (
    !isObject(spec) ||
    spec.containers === undefined ||
    (Array.isArray(spec.containers) && spec.containers.length === 0)
  ) {
    throw invalid('Pod', name, 'spec.containers', 'Required value');
  }
  if (!Array.isArray(spec.containers))
    throw badRequest('spec.containers: expected a list of containers');
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list] ?? [];
    if (!Array.isArray(containers)) throw badRequest(`spec.${list}: expected a list of containers`);
    containers.forEach((c: unknown, i) => {
      const path = `spec.${list}[${i}]`;
      if (!isObject(c)) throw badRequest(`${path}: expected a container object`);
      if (c.name === undefined || c.name === '')
        throw invalid('Pod', name, `${path}.name`, 'Required value');
      if (typeof c.name !== 'string') throw badRequest(`${path}.name: expected a string`);
      if (!isDns1123Label(c.name)) {
        throw invalid('Pod', name, `${path}.name`, `Invalid value: "${c.name}": ${LABEL_MESSAGE}`);
      }
      if (seen.has(c.name))
        throw invalid('Pod', name, `${path}.name`, `Duplicate value: "${c.name}"`);
      seen.add(c.name);
      if (c.image === undefined || c.image === '')
        throw invalid('Pod', name, `${path}.image`, 'Required value');
      if (typeof c.image !== 'string') throw badRequest(`${path}.image: expected a string`);
      for (const f of ['command', 'args'] as const) {
        const v = c[f];
        if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) {
          throw badRequest(`${path}.${f}: expected a list of strings`);
        }
      }
      if (c.ports !== undefined) {
        if (!Array.isArray(c.ports)) throw badRequest(`${path}.ports: expected a list`);
        c.ports.forEach((p: unknown, j) => {
          const port = isObject(p) ? p.containerPort : undefined;
          if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
            throw invalid(
              'Pod',
              name,
              `${path}.ports[${j}].containerPort`,
              `Invalid value: ${JSON.stringify(port)}: must be between 1 and 65535, inclusive`,
            );
          }
        });
      }
    });
  }
  if (
    spec.restartPolicy !== undefined &&
    !RESTART_POLICIES.includes(spec.restartPolicy as string)
  ) {
    throw invalid(
      'Pod',
      name,
      'spec.restartPolicy',
      `Unsupported value: ${JSON.stringify(spec.restartPolicy)}: supported values: "Always", "OnFailure", "Never"`,
    );
  }
  return body as unknown as Pod;
}

/** Rejects a body whose metadata.resourceVersion is set and not the current one. */
export function checkResourceVersion(
  name: string,
  given: unknown,
  current: string | undefined,
): void {
  if (given === undefined || given === '' || given === current) return;
  throw new ApiStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: 'pods' },
  );
}
