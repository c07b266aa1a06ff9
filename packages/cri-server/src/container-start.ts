import { ContainerEventType, FailedPreconditionError, NotFoundError } from '@capstan/cri-api';
import { emit } from './container-state.js';
import type { Core } from './core.js';
import { requireId } from './ids.js';
import { nowNs } from './records.js';

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
      const exit = await core.backend.startFailure?.(record, err).catch(() => undefined);
      record.state = 'exited';
      record.finishedAt = exit?.finishedAt ?? nowNs();
      if (exit?.startedAt) record.startedAt = exit.startedAt;
      record.exitCode = exit?.exitCode ?? 128;
      record.reason = exit?.reason ?? 'StartError';
      record.message = exit?.message || (err instanceof Error ? err.message : String(err));
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
