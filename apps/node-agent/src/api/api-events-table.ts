import type { KubeEvent } from '@capstan/pod-lifecycle';
import { col, humanDuration, type TableColumn } from './api-table.js';

// The API server's event printer (pkg/printers/internalversion printEvent): kubectl get
// events shows LAST SEEN, TYPE, REASON, OBJECT, MESSAGE, and -o wide adds SUBOBJECT,
// SOURCE, FIRST SEEN, COUNT and NAME. The server always prints the wide row.

export const EVENT_COLUMNS: TableColumn[] = [
  col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
  col(
    'Reason',
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  col('Object', 'The object that this event is about.'),
  col(
    'Subobject',
    'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
    1,
  ),
  col(
    'Source',
    'The component reporting this event. Should be a short machine understandable string.',
    1,
  ),
  col('Message', 'A human-readable description of the status of this operation.'),
  col(
    'First Seen',
    'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    1,
  ),
  col('Count', 'The number of times this event has occurred.', 1),
  col('Name', 'Name must be unique within a namespace.', 1, 'name'),
];

function since(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** The cells of one event row (printEvent with Wide, as the API server calls it). */
export function eventCells(e: KubeEvent, now: number): unknown[] {
  const first = since(e.firstTimestamp, now);
  const last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  const o = e.involvedObject;
  const target = o.name ? `${o.kind.toLowerCase()}/${o.name}` : o.kind.toLowerCase();
  const component = e.source.component || e.reportingComponent;
  const host = e.source.host || e.reportingInstance;
  return [
    last,
    e.type,
    e.reason,
    target,
    o.fieldPath ?? '',
    host ? `${component}, ${host}` : component,
    e.message.trim(),
    first,
    e.count || 1,
    e.metadata.name,
  ];
}
