import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Node } from '../pod/types.js';
import type { ApiContext } from './api-context.js';
import { negotiate, type Output, type Query, sendJson } from './api-http.js';
import { parseFieldSelector, parseLabelSelector } from './api-selectors.js';
import { methodNotAllowed, notFound } from './api-status.js';
import {
  includeObjectOf,
  NAMESPACE_COLUMNS,
  type Namespace,
  NODE_COLUMNS,
  namespaceCells,
  nodeCells,
  partialObject,
  type TableColumn,
  toTable,
} from './api-table.js';
import { isDns1123Label } from './api-validation.js';
import { serveWatch } from './api-watch.js';

// Nodes (the one node this agent runs) and namespaces (every valid name exists: the agent
// keeps no namespace objects, and a pod may be created in any namespace).

interface Kind<T extends { metadata: { name: string; labels?: Record<string, string> } }> {
  resource: string;
  listKind: string;
  columns: TableColumn[];
  cells: (o: T, now: number) => unknown[];
  fields: (o: T) => Record<string, string>;
  fieldNames: string[];
}

const NODE_KIND: Kind<Node> = {
  resource: 'nodes',
  listKind: 'NodeList',
  columns: NODE_COLUMNS,
  cells: nodeCells,
  fields: (n) => ({
    'metadata.name': n.metadata.name,
    'spec.unschedulable': String(n.spec.unschedulable === true),
  }),
  fieldNames: ['metadata.name', 'spec.unschedulable'],
};

const NAMESPACE_KIND: Kind<Namespace> = {
  resource: 'namespaces',
  listKind: 'NamespaceList',
  columns: NAMESPACE_COLUMNS,
  cells: namespaceCells,
  fields: (n) => ({ 'metadata.name': n.metadata.name, 'status.phase': n.status.phase }),
  fieldNames: ['metadata.name', 'status.phase'],
};

function serve<T extends { metadata: { name: string; labels?: Record<string, string> } }>(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  kind: Kind<T>,
  objects: T[],
  name: string | undefined,
  query: Query,
): void {
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', kind.resource);
  const output: Output = negotiate(req.headers.accept);
  const include = includeObjectOf(query.string('includeObject'));
  const rv = ctx.manager.resourceVersion();
  const render = (list: T[], columns: TableColumn[] | undefined) =>
    output.kind === 'table'
      ? toTable(output, columns, list, kind.cells, include, rv)
      : output.kind === 'partial'
        ? list.map((o) => partialObject(o, output.apiVersion))
        : list;
  if (name !== undefined) {
    const found = objects.find((o) => o.metadata.name === name);
    if (!found) throw notFound(kind.resource, name);
    const one = render([found], kind.columns);
    sendJson(res, 200, Array.isArray(one) ? one[0] : one);
    return;
  }
  const labels = parseLabelSelector(query.string('labelSelector'));
  const fields = parseFieldSelector(query.string('fieldSelector'), kind.fieldNames);
  const matches = (o: T) => labels(o.metadata.labels ?? {}) && fields(kind.fields(o));
  if (query.bool('watch')) {
    const from = query.string('resourceVersion');
    const resume = from !== undefined && from !== '' && from !== '0';
    const timeoutSeconds = query.int('timeoutSeconds', 0);
    serveWatch(ctx, res, {
      // These objects change only with the agent's restart: a watch sends them once.
      subscribe: (onEvent) => {
        if (!resume) for (const o of objects) onEvent('ADDED', o);
        return () => {};
      },
      key: (o) => o.metadata.name,
      matches,
      render: (o, first) => {
        const r = render([o], first ? kind.columns : undefined);
        return Array.isArray(r) ? r[0] : r;
      },
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    });
    return;
  }
  const selected = objects.filter(matches);
  if (output.kind === 'table') {
    sendJson(res, 200, render(selected, kind.columns));
  } else {
    sendJson(res, 200, {
      kind: output.kind === 'partial' ? 'PartialObjectMetadataList' : kind.listKind,
      apiVersion: output.kind === 'partial' ? output.apiVersion : 'v1',
      metadata: { resourceVersion: rv },
      items: render(selected, undefined),
    });
  }
}

/** GET /api/v1/nodes[/{name}[/status]]: the node from manager.node(). */
export async function handleNodes(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string | undefined,
  query: Query,
): Promise<void> {
  if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', 'nodes');
  const node = await ctx.manager.node();
  serve(ctx, req, res, NODE_KIND, [{ ...node, apiVersion: 'v1', kind: 'Node' }], name, query);
}

/** GET /api/v1/namespaces[/{name}]: a minimal, always Active namespace per name. */
export function handleNamespaces(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string | undefined,
  query: Query,
  createdAt: string,
): void {
  const names = new Set([
    'default',
    ...ctx.manager.list().map((p) => p.metadata.namespace ?? 'default'),
  ]);
  if (name !== undefined) {
    if (!isDns1123Label(name)) throw notFound('namespaces', name);
    names.add(name);
  }
  const objects = [...names].sort().map((n) => namespaceObject(n, createdAt));
  serve(ctx, req, res, NAMESPACE_KIND, objects, name, query);
}

export function namespaceObject(name: string, createdAt: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      creationTimestamp: createdAt,
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}
