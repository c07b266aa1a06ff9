import type { Node, Pod } from '../pod/types.js';
import type { Output } from './api-http.js';

// The meta.k8s.io Table form `kubectl get` asks for, with the columns and cell values of
// the API server's printers (pkg/printers/internalversion), so kubectl prints its usual
// table: NAME READY STATUS RESTARTS AGE for pods, and the priority-1 columns with -o wide.

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumn[];
  rows: { cells: unknown[]; object?: unknown }[];
}

/** `includeObject` of a Table request: what each row carries besides its cells. */
export type IncludeObject = 'None' | 'Object' | 'Metadata';

interface Printable {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; creationTimestamp?: string; [k: string]: unknown };
}

/** A string column of a server-side Table (what the API server's printers declare). */
export const col = (name: string, description: string, priority = 0, format = ''): TableColumn => ({
  name,
  type: 'string',
  format,
  description,
  priority,
});

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.';

export const POD_COLUMNS: TableColumn[] = [
  col('Name', NAME_DOC, 0, 'name'),
  col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'The aggregate status of the containers in this pod.'),
  col(
    'Restarts',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  col('Age', AGE_DOC),
  col('IP', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
  col('Node', 'The node the pod is bound to (spec.nodeName).', 1),
  col('Nominated Node', 'The node this pod was nominated to by a scheduler.', 1),
  col('Readiness Gates', 'The pod readiness gates that are true out of those listed.', 1),
];

export const NODE_COLUMNS: TableColumn[] = [
  col('Name', NAME_DOC, 0, 'name'),
  col('Status', 'The status of the node'),
  col('Roles', 'The roles of the node'),
  col('Age', AGE_DOC),
  col('Version', 'Kubelet Version reported by the node.'),
  col('Internal-IP', 'List of internal IPs.', 1),
  col('External-IP', 'List of external IPs.', 1),
  col('OS-Image', 'OS Image reported by the node from /etc/os-release.', 1),
  col('Kernel-Version', 'Kernel Version reported by the node.', 1),
  col('Container-Runtime', 'Container Runtime Version reported by the node.', 1),
];

export const NAMESPACE_COLUMNS: TableColumn[] = [
  col('Name', NAME_DOC, 0, 'name'),
  col('Status', 'The status of the namespace'),
  col('Age', AGE_DOC),
];

/** Builds a Table of `objects` with one row each. */
export function toTable<T extends Printable>(
  output: Extract<Output, { kind: 'table' }>,
  columns: TableColumn[] | undefined,
  objects: T[],
  cells: (o: T, now: number) => unknown[],
  include: IncludeObject,
  resourceVersion?: string,
): Table {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: output.apiVersion,
    metadata: resourceVersion === undefined ? {} : { resourceVersion },
    // A watch sends the column definitions in its first event only, as the API server does.
    columnDefinitions: columns ?? [],
    rows: objects.map((o) => ({
      cells: cells(o, now),
      ...(include === 'None'
        ? {}
        : { object: include === 'Object' ? o : partialObject(o, output.apiVersion) }),
    })),
  };
}

/** The PartialObjectMetadata form of an object (its metadata only). */
export function partialObject(o: Printable, apiVersion: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata };
}

export function includeObjectOf(value: string | undefined): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

/** kubectl's age format (apimachinery's duration.HumanDuration). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) {
    return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  }
  return `${Math.floor(days / 365)}y`;
}

function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** The cells of one pod row: the API server's printPod, for the fields this agent reports. */
export function podCells(pod: Pod, now: number): unknown[] {
  const status = pod.status;
  let reason: string = status?.reason || status?.phase || 'Pending';
  let restarts = 0;
  let lastRestart: number | undefined;
  const noteRestart = (finishedAt: string | undefined) => {
    const t = finishedAt ? Date.parse(finishedAt) : Number.NaN;
    if (!Number.isNaN(t) && (lastRestart === undefined || t > lastRestart)) lastRestart = t;
  };
  let initializing = false;
  const inits = status?.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    restarts += c.restartCount;
    noteRestart(c.lastState?.terminated?.finishedAt);
    const term = c.state.terminated;
    if (term && term.exitCode === 0) continue;
    if (term) {
      reason = term.reason
        ? `Init:${term.reason}`
        : term.signal
          ? `Init:Signal:${term.signal}`
          : `Init:ExitCode:${term.exitCode}`;
    } else if (c.state.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${pod.spec.initContainers?.length ?? inits.length}`;
    }
    initializing = true;
    break;
  }
  let ready = 0;
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    for (const c of [...(status?.containerStatuses ?? [])].reverse()) {
      restarts += c.restartCount;
      noteRestart(c.lastState?.terminated?.finishedAt);
      const { waiting, terminated, running } = c.state;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) {
        reason = terminated.signal
          ? `Signal:${terminated.signal}`
          : `ExitCode:${terminated.exitCode}`;
      } else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) {
    reason = status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  const restartCell =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  const gates = (pod.spec.readinessGates as { conditionType: string }[] | undefined) ?? [];
  const gatesCell =
    gates.length === 0
      ? '<none>'
      : `${gates.filter((g) => status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length}/${gates.length}`;
  return [
    pod.metadata.name,
    `${ready}/${pod.spec.containers.length}`,
    reason,
    restartCell,
    age(pod.metadata.creationTimestamp, now),
    status?.podIP || '<none>',
    pod.spec.nodeName || '<none>',
    (status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName || '<none>',
    gatesCell,
  ];
}

/** The cells of one node row (printNode). */
export function nodeCells(node: Node, now: number): unknown[] {
  const ready = node.status.conditions.find((c) => c.type === 'Ready');
  const states = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec.unschedulable === true) states.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 24) roles.add(k.slice(24));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  const address = (type: string) =>
    node.status.addresses.find((a) => a.type === type)?.address || '<none>';
  const info = node.status.nodeInfo;
  return [
    node.metadata.name,
    states.join(','),
    roles.size === 0 ? '<none>' : [...roles].sort().join(','),
    age(node.metadata.creationTimestamp, now),
    info.kubeletVersion ?? '',
    address('InternalIP'),
    address('ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ];
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: { finalizers: string[] };
  status: { phase: 'Active' };
}

export function namespaceCells(ns: Namespace, now: number): unknown[] {
  return [ns.metadata.name, ns.status.phase, age(ns.metadata.creationTimestamp, now)];
}
