import { isAbsolute, join, normalize, relative } from 'node:path';
import {
  ContainerEventType,
  type CreateContainerRequest,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '@capstan/cri-api';
import type { ContainerRecord } from './backend.js';
import { removeContainerRecord } from './container-remove.js';
import { emit } from './container-state.js';
import type { Core } from './core.js';
import { newId, requireId } from './ids.js';
import { containerName, nowNs } from './records.js';

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
