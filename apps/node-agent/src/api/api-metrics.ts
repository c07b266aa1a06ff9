// metrics.k8s.io/v1beta1 as metrics-server serves it, for `kubectl top pod|node`: this
// node's PodMetrics and NodeMetrics from the agent's resource sampler (CPU as a rate over
// the last window, memory working set). The numbers are @capstan/pod-lifecycle's.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeMetrics, type PodMetrics, podMetrics } from '@capstan/pod-lifecycle';
import type { ApiContext } from './api-context.js';
import { type Query, sendJson } from './api-http.js';
import { parseFieldSelector, parseLabelSelector } from './api-selectors.js';
import { ApiStatusError, methodNotAllowed, pathNotFound } from './api-status.js';

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

/** The group in /apis (kubectl top looks for it before it asks for metrics). */
export const METRICS_API_GROUP = {
  name: 'metrics.k8s.io',
  versions: [{ groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' }],
  preferredVersion: { groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' },
};

/** GET /apis/metrics.k8s.io/v1beta1: metrics-server's resource list. */
export const METRICS_RESOURCE_LIST = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: METRICS_GROUP_VERSION,
  resources: [
    {
      name: 'nodes',
      singularName: '',
      namespaced: false,
      kind: 'NodeMetrics',
      verbs: ['get', 'list'],
    },
    {
      name: 'pods',
      singularName: '',
      namespaced: true,
      kind: 'PodMetrics',
      verbs: ['get', 'list'],
    },
  ],
};

/** What a metrics.k8s.io path names (the router's `metrics` route). */
export type MetricsTarget =
  | { resource: 'discovery' }
  | { resource: 'pods'; namespace?: string; name?: string }
  | { resource: 'nodes'; name?: string };

/** The target of the path segments after /apis/metrics.k8s.io/v1beta1; undefined: not served. */
export function metricsTargetOf(segs: readonly string[]): MetricsTarget | undefined {
  const [a, b, c, d, ...rest] = segs;
  if (a === undefined) return { resource: 'discovery' };
  if (a === 'pods' && b === undefined) return { resource: 'pods' };
  if (a === 'nodes' && c === undefined)
    return b === undefined ? { resource: 'nodes' } : { resource: 'nodes', name: b };
  if (a === 'namespaces' && b !== undefined && c === 'pods' && rest.length === 0) {
    return d === undefined
      ? { resource: 'pods', namespace: b }
      : { resource: 'pods', namespace: b, name: d };
  }
  return undefined;
}

const notFoundMetrics = (resource: 'pods' | 'nodes', name: string) =>
  new ApiStatusError(404, 'NotFound', `${resource}.metrics.k8s.io "${name}" not found`, {
    name,
    group: 'metrics.k8s.io',
    kind: resource,
  });

const listOf = (kind: string, items: unknown[]) => ({
  kind,
  apiVersion: METRICS_GROUP_VERSION,
  metadata: {},
  items,
});

/** GET of a metrics.k8s.io path; 404 when the API has no metrics source. */
export async function handleMetrics(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: MetricsTarget,
  query: Query,
): Promise<void> {
  const source = ctx.metrics;
  if (!source) throw pathNotFound();
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'metrics.k8s.io');
  const now = Date.now();
  const labels = parseLabelSelector(query.string('labelSelector'));
  switch (target.resource) {
    case 'discovery':
      return sendJson(res, 200, METRICS_RESOURCE_LIST);
    case 'nodes': {
      const node = await ctx.manager.node();
      const usage = source.node();
      const fields = parseFieldSelector(query.string('fieldSelector'), ['metadata.name']);
      const m =
        usage &&
        labels(node.metadata.labels ?? {}) &&
        fields({ 'metadata.name': node.metadata.name })
          ? nodeMetrics(node, usage, now)
          : undefined;
      if (target.name === undefined)
        return sendJson(res, 200, listOf('NodeMetricsList', m ? [m] : []));
      if (!m || target.name !== node.metadata.name) throw notFoundMetrics('nodes', target.name);
      return sendJson(res, 200, m);
    }
    case 'pods': {
      const usage = (id: string) => source.container(id);
      if (target.name !== undefined && target.namespace !== undefined) {
        const pod = ctx.manager.get(target.namespace, target.name);
        const m = pod ? podMetrics(pod, usage, now) : undefined;
        if (!m) throw notFoundMetrics('pods', target.name);
        return sendJson(res, 200, m);
      }
      const fields = parseFieldSelector(query.string('fieldSelector'), [
        'metadata.name',
        'metadata.namespace',
      ]);
      const items: PodMetrics[] = [];
      for (const pod of ctx.manager.list(target.namespace)) {
        const meta = pod.metadata;
        if (!labels(meta.labels ?? {})) continue;
        if (
          !fields({ 'metadata.name': meta.name, 'metadata.namespace': meta.namespace ?? 'default' })
        )
          continue;
        const m = podMetrics(pod, usage, now);
        if (m) items.push(m);
      }
      return sendJson(res, 200, listOf('PodMetricsList', items));
    }
  }
}
