// Maps a request path to what it names. Only the paths this API serves are recognised;
// everything else is a 404 Status.

import { type MetricsTarget, metricsTargetOf } from './api-metrics.js';

export type PodSubresource = 'status' | 'log' | 'exec' | 'attach' | 'portforward';

export type Route =
  | { kind: 'version' }
  | { kind: 'health'; name: string }
  | { kind: 'api' }
  | { kind: 'apiV1' }
  | { kind: 'apis' }
  | { kind: 'openapiV2' }
  | { kind: 'openapiV3' }
  | { kind: 'openapiV3Doc'; groupVersion: string }
  | { kind: 'pods'; namespace?: string }
  | { kind: 'pod'; namespace: string; name: string; sub?: PodSubresource }
  | { kind: 'nodes' }
  | { kind: 'node'; name: string; sub?: 'status' }
  | { kind: 'namespaces' }
  | { kind: 'namespace'; name: string; sub?: 'status' }
  | { kind: 'metrics'; target: MetricsTarget }
  | { kind: 'eventsGroup' }
  | { kind: 'eventsV1' }
  | { kind: 'events'; api: 'v1' | 'events.k8s.io/v1'; namespace?: string; name?: string };

const POD_SUBRESOURCES: readonly string[] = ['status', 'log', 'exec', 'attach', 'portforward'];

export function routeOf(pathname: string): Route | undefined {
  let segs: string[];
  try {
    segs = pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [a, b, c, d, e, f, g, ...rest] = segs;
  if (segs.length === 1 && a === 'version') return { kind: 'version' };
  if (segs.length === 1 && (a === 'healthz' || a === 'livez' || a === 'readyz')) {
    return { kind: 'health', name: a };
  }
  if (a === 'apis' && segs.length === 1) return { kind: 'apis' };
  if (a === 'apis' && b === 'metrics.k8s.io' && c === 'v1beta1') {
    const target = metricsTargetOf(segs.slice(3));
    return target ? { kind: 'metrics', target } : undefined;
  }
  if (a === 'openapi' && b === 'v2' && segs.length === 2) return { kind: 'openapiV2' };
  if (a === 'openapi' && b === 'v3') {
    if (segs.length === 2) return { kind: 'openapiV3' };
    return { kind: 'openapiV3Doc', groupVersion: segs.slice(2).join('/') };
  }
  if (a === 'apis' && b === 'events.k8s.io') return eventsRoute(segs.slice(2));
  if (a !== 'api') return undefined;
  if (segs.length === 1) return { kind: 'api' };
  if (b !== 'v1') return undefined;
  if (segs.length === 2) return { kind: 'apiV1' };
  if (rest.length > 0) return undefined;
  switch (c) {
    case 'pods':
      return segs.length === 3 ? { kind: 'pods' } : undefined;
    case 'events':
      return segs.length === 3 ? { kind: 'events', api: 'v1' } : undefined;
    case 'nodes':
      if (d === undefined) return { kind: 'nodes' };
      if (e === undefined) return { kind: 'node', name: d };
      return e === 'status' && f === undefined
        ? { kind: 'node', name: d, sub: 'status' }
        : undefined;
    case 'namespaces':
      if (d === undefined) return { kind: 'namespaces' };
      if (e === undefined) return { kind: 'namespace', name: d };
      if (e === 'status' && f === undefined) return { kind: 'namespace', name: d, sub: 'status' };
      if (e === 'events') {
        if (g !== undefined) return undefined;
        return { kind: 'events', api: 'v1', namespace: d, ...(f === undefined ? {} : { name: f }) };
      }
      if (e !== 'pods') return undefined;
      if (f === undefined) return { kind: 'pods', namespace: d };
      if (g === undefined) return { kind: 'pod', namespace: d, name: f };
      return POD_SUBRESOURCES.includes(g)
        ? { kind: 'pod', namespace: d, name: f, sub: g as PodSubresource }
        : undefined;
    default:
      return undefined;
  }
}

/** Paths under /apis/events.k8s.io (`segs` after the group). */
function eventsRoute(segs: string[]): Route | undefined {
  const [v, c, ns, e, name, ...rest] = segs;
  if (v === undefined) return { kind: 'eventsGroup' };
  if (v !== 'v1' || rest.length > 0) return undefined;
  if (c === undefined) return { kind: 'eventsV1' };
  const api = 'events.k8s.io/v1' as const;
  if (c === 'events') return ns === undefined ? { kind: 'events', api } : undefined;
  if (c !== 'namespaces' || ns === undefined || e !== 'events') return undefined;
  return { kind: 'events', api, namespace: ns, ...(name === undefined ? {} : { name }) };
}
