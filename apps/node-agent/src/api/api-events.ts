import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeEvent } from '@capstan/pod-lifecycle';
import type { ApiContext } from './api-context.js';
import { EVENT_COLUMNS, eventCells } from './api-events-table.js';
import { negotiate, type Query, sendJson } from './api-http.js';
import { parseFieldSelector, parseLabelSelector } from './api-selectors.js';
import { methodNotAllowed, notFound } from './api-status.js';
import { includeObjectOf, partialObject, toTable } from './api-table.js';
import { serveWatch, type WatchEventType } from './api-watch.js';

// The node's Events, as core/v1 `events` and events.k8s.io/v1 `events`: list, get and watch,
// namespaced and cluster-wide, with the API server's event field selectors. Read-only: the
// agent's lifecycle is the only writer.

/** Where the API reads events from (the lifecycle's EventStore). */
export interface ApiEventSource {
  list(namespace?: string): KubeEvent[];
  get(namespace: string, name: string): KubeEvent | undefined;
  watch(
    onEvent: (type: WatchEventType, e: KubeEvent) => void,
    resourceVersion?: string,
  ): () => void;
  resourceVersion(): string;
}

/** Which API serves the request: core/v1 or events.k8s.io/v1. */
export type EventsApi = 'v1' | 'events.k8s.io/v1';

/** The fields an event field selector may name (the API server's event field set). */
export const EVENT_FIELD_SELECTORS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

// events.k8s.io/v1 names the same fields after its own shape.
const EVENTS_V1_FIELDS: Record<string, string> = {
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  'deprecatedSource.component': 'source',
};

function eventFields(e: KubeEvent): Record<string, string> {
  const o = e.involvedObject;
  return {
    'metadata.name': e.metadata.name,
    'metadata.namespace': e.metadata.namespace,
    'involvedObject.kind': o.kind,
    'involvedObject.namespace': o.namespace ?? '',
    'involvedObject.name': o.name,
    'involvedObject.uid': o.uid ?? '',
    'involvedObject.apiVersion': o.apiVersion ?? '',
    'involvedObject.resourceVersion': '',
    'involvedObject.fieldPath': o.fieldPath ?? '',
    reason: e.reason,
    reportingComponent: e.reportingComponent,
    source: e.source.component,
    type: e.type,
  };
}

/** Go's RFC3339 MicroTime of an RFC3339 timestamp. */
const micro = (ts: string) => ts.replace(/Z$/, '.000000Z');

/**
 * An event in the requested API's shape: core/v1 as stored, or events.k8s.io/v1 as the
 * API server converts it (regarding, note, deprecated*, a series once it repeated).
 */
export function eventObject(e: KubeEvent, api: EventsApi): unknown {
  if (api === 'v1') return e;
  return {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: e.metadata,
    eventTime: micro(e.firstTimestamp),
    ...(e.count > 1
      ? { series: { count: e.count, lastObservedTime: micro(e.lastTimestamp) } }
      : {}),
    reportingController: e.reportingComponent,
    reportingInstance: e.reportingInstance,
    action: e.reason,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
}

const eventKey = (e: KubeEvent) => `${e.metadata.namespace}/${e.metadata.name}`;

/**
 * GET /api/v1/events, /api/v1/namespaces/{ns}/events[/{name}] and the same under
 * /apis/events.k8s.io/v1: list (Table for kubectl get), get, and watch.
 */
export function handleEvents(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  api: EventsApi,
  namespace: string | undefined,
  name: string | undefined,
  query: Query,
): void {
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'events');
  const source = ctx.events;
  const output = negotiate(req.headers.accept);
  const include = includeObjectOf(query.string('includeObject'));
  const rv = source?.resourceVersion() ?? '0';
  const render = (list: KubeEvent[], columns: boolean, withRv?: string) => {
    if (output.kind === 'table') {
      const t = toTable(
        output,
        columns ? EVENT_COLUMNS : undefined,
        list,
        eventCells,
        include,
        withRv,
      );
      if (include === 'Object')
        for (const [i, row] of t.rows.entries()) row.object = eventObject(list[i]!, api);
      return t;
    }
    if (output.kind === 'partial') return list.map((e) => partialObject(e, output.apiVersion));
    return list.map((e) => eventObject(e, api));
  };
  if (name !== undefined) {
    const found = namespace === undefined ? undefined : source?.get(namespace, name);
    if (!found) throw notFound('events', name);
    const one = render([found], true);
    sendJson(res, 200, Array.isArray(one) ? one[0] : one);
    return;
  }
  const labels = parseLabelSelector(query.string('labelSelector'));
  const allowed =
    api === 'v1'
      ? EVENT_FIELD_SELECTORS
      : [...EVENT_FIELD_SELECTORS, ...Object.keys(EVENTS_V1_FIELDS)];
  const fields = parseFieldSelector(query.string('fieldSelector'), allowed);
  const matches = (e: KubeEvent) => {
    if (namespace !== undefined && e.metadata.namespace !== namespace) return false;
    const f = eventFields(e);
    if (api !== 'v1')
      for (const [v1, core] of Object.entries(EVENTS_V1_FIELDS)) f[v1] = f[core] ?? '';
    return labels({}) && fields(f);
  };
  if (query.bool('watch')) {
    const from = query.string('resourceVersion');
    const resume = from !== undefined && from !== '' && from !== '0';
    const timeoutSeconds = query.int('timeoutSeconds', 0);
    serveWatch(ctx, res, {
      subscribe: (onEvent) => source?.watch(onEvent, resume ? from : undefined) ?? (() => {}),
      key: eventKey,
      matches,
      render: (e, first) => {
        const r = render([e], first);
        return Array.isArray(r) ? r[0] : r;
      },
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    });
    return;
  }
  const selected = (source?.list(namespace) ?? [])
    .filter(matches)
    // The API server lists in key order (namespace, then name).
    .sort((a, b) => (eventKey(a) < eventKey(b) ? -1 : 1));
  if (output.kind === 'table') {
    sendJson(res, 200, render(selected, true, rv));
    return;
  }
  sendJson(res, 200, {
    kind: output.kind === 'partial' ? 'PartialObjectMetadataList' : 'EventList',
    apiVersion: output.kind === 'partial' ? output.apiVersion : api,
    metadata: { resourceVersion: rv },
    items: render(selected, false),
  });
}
