import { ContainerEventType, ContainerState, FailedPreconditionError } from '@capstan/cri-api';
import type { ContainerLiveState, ContainerRecord, ContainerRunState } from './backend.js';
import type { Core } from './core.js';
import { requireId } from './ids.js';
import { nowNs } from './records.js';

// What every container RPC shares: state names, forward-only state changes from the
// backend's live view, lookups and lifecycle events.

/** A record's state as the CRI enum. */
export const STATE: Record<ContainerRunState, ContainerState> = {
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

const RANK: Record<ContainerRunState, number> = { unknown: -1, created: 0, running: 1, exited: 2 };

/** Tells GetContainerEvents subscribers about a container's transition. */
export function emit(core: Core, containerId: string, type: ContainerEventType) {
  core.events.emit('event', { containerId, type, createdAt: nowNs() });
}

/** Applies the backend's live state to a record (persisting a change). */
export async function applyLive(
  core: Core,
  record: ContainerRecord,
  live: ContainerLiveState | undefined,
) {
  if (!live) return;
  const before = record.state;
  // States only move forward (created -> running -> exited): a backend's answer that was
  // read before a concurrent start or stop finished must not move a record back.
  if (record.state === 'exited' && live.state !== 'exited') return;
  if (live.state !== 'unknown' && RANK[live.state] < RANK[record.state]) return;
  record.state = live.state;
  if (live.startedAt) record.startedAt = live.startedAt;
  if (live.finishedAt) record.finishedAt = live.finishedAt;
  if (live.exitCode !== undefined) record.exitCode = live.exitCode;
  if (live.reason !== undefined) record.reason = live.reason;
  if (live.message !== undefined) record.message = live.message;
  if (before !== record.state) {
    await core.store.putContainer(record);
    if (record.state === 'exited')
      emit(core, record.id, ContainerEventType.CONTAINER_STOPPED_EVENT);
  }
}

/** Reads the backend's live state of the running and created records among `records`. */
export async function refresh(core: Core, records: ContainerRecord[]) {
  const live = records.filter((r) => r.state === 'running' || r.state === 'created');
  if (live.length === 0) return;
  const states = await core.backend.containerStates(live);
  for (const r of live) await applyLive(core, r, states.get(r.id));
}

export function requireContainer(core: Core, idOrPrefix: string): ContainerRecord {
  return core.store.containers.get(
    requireId(core.store.containers.keys(), idOrPrefix, 'container'),
  )!;
}

export async function requireRunning(
  core: Core,
  idOrPrefix: string,
  what: string,
): Promise<ContainerRecord> {
  const record = requireContainer(core, idOrPrefix);
  await refresh(core, [record]);
  if (record.state !== 'running') {
    throw new FailedPreconditionError(
      `${what}: container ${record.id} is ${record.state}, not running`,
    );
  }
  return record;
}
