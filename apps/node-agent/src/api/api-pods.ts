import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from '../pod/types.js';
import type { ApiContext } from './api-context.js';
import { negotiate, type Output, type Query, readJson, sendJson } from './api-http.js';
import { applyPatch, jsonEqual, patchTypeOf } from './api-patch.js';
import { parseFieldSelector, parseLabelSelector } from './api-selectors.js';
import { ApiStatusError, badRequest, invalid, methodNotAllowed, notFound } from './api-status.js';
import { includeObjectOf, POD_COLUMNS, partialObject, podCells, toTable } from './api-table.js';
import {
  checkResourceVersion,
  checkUnknownFields,
  fieldValidationOf,
  validateMetadataMaps,
  validatePodForCreate,
} from './api-validation.js';
import { serveWatch } from './api-watch.js';

/** Fields a pod field selector may name (the API server's pod field label set). */
export const POD_FIELD_SELECTORS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
];

export function podFields(pod: Pod): Record<string, string> {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace ?? '',
    'spec.nodeName': s(pod.spec.nodeName),
    'spec.restartPolicy': s(pod.spec.restartPolicy),
    'spec.schedulerName': s(pod.spec.schedulerName),
    'spec.serviceAccountName': s(pod.spec.serviceAccountName),
    'spec.hostNetwork': String(pod.spec.hostNetwork === true),
    'status.phase': s(pod.status?.phase),
    'status.podIP': s(pod.status?.podIP),
    'status.nominatedNodeName': s(
      (pod.status as { nominatedNodeName?: unknown } | undefined)?.nominatedNodeName,
    ),
  };
}

/** A pod as the API sends it: apiVersion and kind first. */
export function podObject(pod: Pod): Pod {
  const { apiVersion: _v, kind: _k, ...rest } = pod;
  return { apiVersion: 'v1', kind: 'Pod', ...rest };
}

function renderOne(output: Output, pod: Pod, query: Query, rv?: string): unknown {
  if (output.kind === 'table') {
    return toTable(
      output,
      POD_COLUMNS,
      [podObject(pod)],
      podCells,
      includeObjectOf(query.string('includeObject')),
      rv,
    );
  }
  if (output.kind === 'partial') return partialObject(podObject(pod), output.apiVersion);
  return podObject(pod);
}

function warningHeaders(warnings: string[]): Record<string, string[]> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

function dryRunOf(query: Query): boolean {
  const values = query.all('dryRun');
  for (const v of values)
    if (v !== 'All') throw badRequest(`dryRun: unsupported value "${v}": only "All" is supported`);
  return values.length > 0;
}

function podOr404(ctx: ApiContext, namespace: string, name: string): Pod {
  const pod = ctx.manager.get(namespace, name);
  if (!pod) throw notFound('pods', name);
  return pod;
}

/** /api/v1/pods and /api/v1/namespaces/{ns}/pods: list, watch, create. */
export async function handlePods(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string | undefined,
  query: Query,
): Promise<void> {
  if (req.method === 'POST' && namespace !== undefined)
    return createPod(ctx, req, res, namespace, query);
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'pods');
  const output = negotiate(req.headers.accept);
  const labels = parseLabelSelector(query.string('labelSelector'));
  const fields = parseFieldSelector(query.string('fieldSelector'), POD_FIELD_SELECTORS);
  const matches = (p: Pod) =>
    (namespace === undefined || p.metadata.namespace === namespace) &&
    labels(p.metadata.labels ?? {}) &&
    fields(podFields(p));
  const include = includeObjectOf(query.string('includeObject'));
  if (query.bool('watch')) {
    const rv = query.string('resourceVersion');
    const resume = rv !== undefined && rv !== '' && rv !== '0';
    serveWatch(ctx, res, {
      subscribe: (onEvent) =>
        ctx.manager.watch((e) => onEvent(e.type, e.object), resume ? rv : undefined),
      key: podKey,
      matches,
      render: (p, first) => {
        if (output.kind === 'table') {
          return toTable(
            output,
            first ? POD_COLUMNS : undefined,
            [podObject(p)],
            podCells,
            include,
          );
        }
        return output.kind === 'partial'
          ? partialObject(podObject(p), output.apiVersion)
          : podObject(p);
      },
      ...(resume ? { seed: ctx.manager.list(namespace) } : {}),
      ...optional('timeoutSeconds', query.int('timeoutSeconds', 0)),
    });
    return;
  }
  const rv = ctx.manager.resourceVersion();
  const pods = ctx.manager
    .list(namespace)
    .filter(matches)
    .map(podObject)
    // The API server lists in key order (namespace, then name).
    .sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
  if (output.kind === 'table') {
    sendJson(res, 200, toTable(output, POD_COLUMNS, pods, podCells, include, rv));
  } else if (output.kind === 'partial') {
    sendJson(res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: output.apiVersion,
      metadata: { resourceVersion: rv },
      items: pods.map((p) => partialObject(p, output.apiVersion)),
    });
  } else {
    sendJson(res, 200, {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv },
      items: pods,
    });
  }
}

const podKey = (p: Pod) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const SERVER_MANAGED = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
];
const NAME_SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

async function createPod(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  query: Query,
): Promise<void> {
  const dryRun = dryRunOf(query);
  const mode = fieldValidationOf(query.string('fieldValidation'));
  const body = await readJson(req);
  const warnings = checkUnknownFields(body, mode);
  const pod = structuredClone(validatePodForCreate(body, namespace));
  const meta = pod.metadata;
  for (const f of SERVER_MANAGED) delete meta[f];
  meta.namespace = namespace;
  if (!meta.name) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += NAME_SUFFIX_CHARS[randomInt(NAME_SUFFIX_CHARS.length)];
    meta.name = `${meta.generateName as string}${suffix}`;
  }
  if (pod.spec.nodeName && pod.spec.nodeName !== ctx.nodeName) {
    throw invalid(
      'Pod',
      meta.name,
      'spec.nodeName',
      `Invalid value: "${pod.spec.nodeName}": this API only runs pods on node "${ctx.nodeName}"`,
    );
  }
  // The pod API is this node's own: a pod created through it is bound here.
  pod.spec.nodeName = ctx.nodeName;
  delete pod.status;
  const created = dryRun ? podObject(pod) : await ctx.manager.create(podObject(pod));
  sendJson(res, 201, podObject(created), warningHeaders(warnings));
}

/** /api/v1/namespaces/{ns}/pods/{name}[/status]: get, delete, patch, replace. */
export async function handlePod(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
  status: boolean,
  query: Query,
): Promise<void> {
  const method = req.method ?? '';
  if (method === 'GET') {
    const output = negotiate(req.headers.accept);
    sendJson(
      res,
      200,
      renderOne(output, podOr404(ctx, namespace, name), query, ctx.manager.resourceVersion()),
    );
    return;
  }
  if (status)
    throw methodNotAllowed(method, "pods/status: a pod's status is reported by this node agent");
  if (method === 'DELETE') return deletePod(ctx, req, res, namespace, name, query);
  if (method === 'PATCH' || method === 'PUT')
    return updatePod(ctx, req, res, namespace, name, query);
  throw methodNotAllowed(method, 'pods');
}

async function deletePod(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
  query: Query,
): Promise<void> {
  const dryRun = dryRunOf(query);
  const body = (await readJson(req)) as Record<string, unknown> | undefined;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw badRequest('the request body must be a DeleteOptions object');
  }
  for (const v of (body?.dryRun as unknown[] | undefined) ?? []) {
    if (v !== 'All') throw badRequest(`dryRun: unsupported value "${String(v)}"`);
  }
  const pod = podOr404(ctx, namespace, name);
  const grace = body?.gracePeriodSeconds ?? query.int('gracePeriodSeconds');
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)) {
    throw invalid(
      'DeleteOptions',
      name,
      'gracePeriodSeconds',
      `Invalid value: ${JSON.stringify(grace)}: must be a non-negative integer`,
    );
  }
  const pre = body?.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  if (pre?.uid && pre.uid !== pod.metadata.uid) {
    throw new ApiStatusError(
      409,
      'Conflict',
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`,
      { name, kind: 'pods' },
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
    throw new ApiStatusError(
      409,
      'Conflict',
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion ?? ''}`,
      { name, kind: 'pods' },
    );
  }
  if (dryRun || (body?.dryRun as unknown[] | undefined)?.length) {
    sendJson(res, 200, podObject(pod));
    return;
  }
  const deleted = await ctx.manager.delete(namespace, name, grace);
  sendJson(res, 200, podObject(deleted));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

async function updatePod(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  namespace: string,
  name: string,
  query: Query,
): Promise<void> {
  const update = ctx.manager.updateMetadata?.bind(ctx.manager);
  if (!update) throw methodNotAllowed(req.method ?? '', 'pods: this node agent cannot update pods');
  const dryRun = dryRunOf(query);
  const mode = fieldValidationOf(query.string('fieldValidation'));
  const current = podObject(podOr404(ctx, namespace, name));
  let next: unknown;
  let warnings: string[] = [];
  if (req.method === 'PATCH') {
    const type = patchTypeOf(req.headers['content-type']);
    const patch = await readJson(req, [type]);
    if (type !== 'application/json-patch+json') warnings = checkUnknownFields(patch, mode);
    next = applyPatch(type, current, patch);
  } else {
    next = await readJson(req);
    warnings = checkUnknownFields(next, mode);
    // A replaced pod keeps the node it is bound to when the body leaves it out.
    if (isObject(next) && isObject(next.spec) && next.spec.nodeName === undefined) {
      next.spec.nodeName = current.spec.nodeName;
    }
  }
  if (!isObject(next) || !isObject(next.metadata))
    throw badRequest('the result must be a Pod object with metadata');
  if (next.kind !== undefined && next.kind !== 'Pod')
    throw badRequest(`kind "${String(next.kind)}" cannot replace a Pod`);
  if (next.apiVersion !== undefined && next.apiVersion !== 'v1') {
    throw badRequest(
      `the API version in the data (${String(next.apiVersion)}) does not match the expected API version (v1)`,
    );
  }
  const meta = next.metadata;
  if (meta.name !== name) {
    throw badRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
    );
  }
  if (meta.namespace !== undefined && meta.namespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  checkResourceVersion(name, meta.resourceVersion, current.metadata.resourceVersion);
  if (!jsonEqual(next.spec, current.spec)) {
    throw invalid(
      'Pod',
      name,
      'spec',
      'Forbidden: pod updates may not change fields other than `metadata.labels` and `metadata.annotations` on this node (the pod spec is immutable: delete the pod and create it again)',
    );
  }
  for (const f of ['finalizers', 'ownerReferences', 'generateName']) {
    if (!jsonEqual(meta[f], current.metadata[f])) {
      throw invalid(
        'Pod',
        name,
        `metadata.${f}`,
        'Forbidden: only metadata.labels and metadata.annotations can be changed on this node',
      );
    }
  }
  validateMetadataMaps(name, meta);
  const labels = (meta.labels ?? {}) as Record<string, string>;
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  const headers = warningHeaders(warnings);
  if (
    jsonEqual(labels, current.metadata.labels ?? {}) &&
    jsonEqual(annotations, current.metadata.annotations ?? {})
  ) {
    sendJson(res, 200, current, headers);
    return;
  }
  const updated = dryRun
    ? { ...current, metadata: { ...current.metadata, labels, annotations } }
    : await update(namespace, name, { labels, annotations });
  sendJson(res, 200, podObject(updated), headers);
}
