import { isAbsolute, join, normalize, relative } from 'node:path';
import {
  type Container,
  ContainerEventType,
  type ContainerFilter,
  ContainerState,
  type ContainerStatus,
  type CreateContainerRequest,
  type DeepPartial,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@capstan/cri-api';
import type { ContainerLiveState, ContainerRecord, ContainerRunState } from './backend.js';
import type { Core } from './core.js';
import { matchId, newId, requireId } from './ids.js';
import { containerName, nowNs } from './records.js';
import { labelsMatch } from './sandbox-ops.js';

const STATE: Record<ContainerRunState, ContainerState> = {
  created: ContainerState.CONTAINER_CREATED,
  running: ContainerState.CONTAINER_RUNNING,
  exited: ContainerState.CONTAINER_EXITED,
  unknown: ContainerState.CONTAINER_UNKNOWN,
};

const RANK: Record<ContainerRunState, number> = { unknown: -1, created: 0, running: 1, exited: 2 };

function emit(core: Core, containerId: string, type: ContainerEventType) {
  core.events.emit('event', { containerId, type, createdAt: nowNs() });
}

/** `log_directory/log_path`, refusing a path that leaves the directory. */
export function resolveLogPath(logDirectory: string, logPath: string): string {
  if (!logDirectory || !logPath) return '';
  if (isAbsolute(logPath) || normalize(logPath).startsWith('..')) {
    throw new InvalidArgumentError(
      `log_path ${JSON.stringify(logPath)} must be relative and stay inside log_directory`,
    );
  }
  const full = join(logDirectory, logPath);
  if (relative(logDirectory, full).startsWith('..')) {
    throw new InvalidArgumentError(`log_path ${JSON.stringify(logPath)} leaves log_directory`);
  }
  return full;
}

export async function createContainer(core: Core, req: CreateContainerRequest): Promise<string> {
  const sandboxId = requireId(core.store.sandboxes.keys(), req.podSandboxId, 'pod sandbox');
  const sandbox = core.store.sandboxes.get(sandboxId)!;
  const config = req.config;
  if (!config?.metadata?.name)
    throw new InvalidArgumentError('CreateContainer: config.metadata.name is required');
  if (!config.image?.image)
    throw new InvalidArgumentError('CreateContainer: config.image.image is required');
  if (sandbox.state !== 'ready') {
    throw new FailedPreconditionError(`CreateContainer: pod sandbox ${sandboxId} is not ready`);
  }
  const image = await core.backend.images.status(config.image.image);
  if (!image?.id)
    throw new NotFoundError(
      `CreateContainer: image ${config.image.image} is not present; pull it first`,
    );
  const logPath = resolveLogPath(sandbox.config.logDirectory, config.logPath);
  const id = newId();
  const name = containerName(config, sandbox.config);
  core.names.reserve(name, id, 'container');
  const record: ContainerRecord = {
    id,
    sandboxId,
    config,
    logPath,
    imageId: image.id,
    imageRef: image.repoDigests?.[0] ?? image.id,
    createdAt: nowNs(),
    state: 'created',
    startedAt: 0n,
    finishedAt: 0n,
    exitCode: 0,
    reason: '',
    message: '',
    backend: {},
  };
  return core.locks.run(id, async () => {
    try {
      // One write, after the backend made it: a crash before it leaves an orphan that
      // recovery removes.
      const made = await core.backend.createContainer({
        id,
        config,
        sandbox,
        logPath,
        imageId: image.id!,
      });
      record.backend = made.backend;
      await core.store.putContainer(record);
      emit(core, id, ContainerEventType.CONTAINER_CREATED_EVENT);
      return id;
    } catch (err) {
      await removeContainerRecord(core, record).catch(() => {});
      throw err;
    }
  });
}

export async function startContainer(core: Core, idOrPrefix: string): Promise<void> {
  const id = requireId(core.store.containers.keys(), idOrPrefix, 'container');
  await core.locks.run(id, async () => {
    const record = core.store.containers.get(id);
    if (!record) throw new NotFoundError(`container ${id} not found`);
    if (record.state !== 'created') {
      throw new FailedPreconditionError(
        `StartContainer: container ${id} is ${record.state}, not created`,
      );
    }
    const sandbox = core.store.sandboxes.get(record.sandboxId);
    if (sandbox?.state !== 'ready') {
      throw new FailedPreconditionError(
        `StartContainer: pod sandbox ${record.sandboxId} is not ready`,
      );
    }
    try {
      await core.backend.startContainer(record, sandbox);
    } catch (err) {
      record.state = 'exited';
      record.finishedAt = nowNs();
      record.exitCode = 128;
      record.reason = 'StartError';
      record.message = err instanceof Error ? err.message : String(err);
      await core.store.putContainer(record);
      throw err;
    }
    record.state = 'running';
    record.startedAt = nowNs();
    // Written behind the answer: the runtime itself is the record of a start. A crash
    // before this write lands leaves the record `created`, and the first refresh moves it
    // to running from the backend's live state (states only move forward). Writes to one
    // record stay in call order, so a later stop or remove still lands after this one.
    core.store
      .putContainer(record)
      .catch((err: unknown) =>
        core.logger.warn({ err, container: id }, 'checkpointing a started container failed'),
      );
    emit(core, id, ContainerEventType.CONTAINER_STARTED_EVENT);
  });
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

async function refresh(core: Core, records: ContainerRecord[]) {
  const live = records.filter((r) => r.state === 'running' || r.state === 'created');
  if (live.length === 0) return;
  const states = await core.backend.containerStates(live);
  for (const r of live) await applyLive(core, r, states.get(r.id));
}

export async function stopContainerRecord(
  core: Core,
  record: ContainerRecord,
  timeoutSec: number,
): Promise<void> {
  if (record.state !== 'running') {
    if (record.state === 'created') {
      // Never started: it can only exit.
      record.state = 'exited';
      record.finishedAt = nowNs();
      await core.store.putContainer(record);
    }
    return;
  }
  await core.backend.stopContainer(record, timeoutSec);
  const states = await core.backend.containerStates([record]);
  await applyLive(core, record, states.get(record.id) ?? { state: 'exited', finishedAt: nowNs() });
}

/** CRI: stopping an unknown or exited container succeeds. */
export async function stopContainer(
  core: Core,
  idOrPrefix: string,
  timeoutSec: number,
): Promise<void> {
  const id = matchId(core.store.containers.keys(), idOrPrefix, 'container');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.containers.get(id);
    if (!record) return;
    await refresh(core, [record]);
    await stopContainerRecord(core, record, timeoutSec);
  });
}

export async function removeContainerRecord(core: Core, record: ContainerRecord): Promise<void> {
  if (record.state === 'running') await stopContainerRecord(core, record, 0);
  await core.backend.removeContainer(record);
  const sandbox = core.store.sandboxes.get(record.sandboxId);
  if (sandbox && record.config.metadata)
    core.names.release(containerName(record.config, sandbox.config), record.id);
  await core.store.deleteContainer(record.id);
  emit(core, record.id, ContainerEventType.CONTAINER_DELETED_EVENT);
}

/** CRI: removing an unknown container succeeds; a running one is killed first. */
export async function removeContainer(core: Core, idOrPrefix: string): Promise<void> {
  const id = matchId(core.store.containers.keys(), idOrPrefix, 'container');
  if (!id) return;
  await core.locks.run(id, async () => {
    const record = core.store.containers.get(id);
    if (record) await removeContainerRecord(core, record);
  });
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

export async function containerStatus(
  core: Core,
  idOrPrefix: string,
): Promise<DeepPartial<ContainerStatus>> {
  const r = requireContainer(core, idOrPrefix);
  await refresh(core, [r]);
  return {
    id: r.id,
    metadata: r.config.metadata,
    state: STATE[r.state],
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    exitCode: r.exitCode,
    image: r.config.image,
    imageRef: r.imageRef,
    imageId: r.imageId,
    reason: r.reason,
    message: r.message,
    labels: r.config.labels,
    annotations: r.config.annotations,
    mounts: r.config.mounts,
    logPath: r.logPath,
    ...(r.config.linux?.resources ? { resources: { linux: r.config.linux.resources } } : {}),
  };
}

export async function listContainers(
  core: Core,
  filter: ContainerFilter | undefined,
): Promise<DeepPartial<Container>[]> {
  const all = [...core.store.containers.values()];
  await refresh(core, all);
  return all
    .filter(
      (r) =>
        (!filter?.id || r.id.startsWith(filter.id)) &&
        (!filter?.podSandboxId || r.sandboxId.startsWith(filter.podSandboxId)) &&
        (!filter?.state || STATE[r.state] === filter.state.state) &&
        labelsMatch(r.config.labels, filter?.labelSelector),
    )
    .map((r) => ({
      id: r.id,
      podSandboxId: r.sandboxId,
      metadata: r.config.metadata,
      image: r.config.image,
      imageRef: r.imageRef,
      imageId: r.imageId,
      state: STATE[r.state],
      createdAt: r.createdAt,
      labels: r.config.labels,
      annotations: r.config.annotations,
    }));
}
