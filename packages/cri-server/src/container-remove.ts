import { ContainerEventType } from '@capstan/cri-api';
import type { ContainerRecord } from './backend.js';
import { emit } from './container-state.js';
import { stopContainerRecord } from './container-stop.js';
import type { Core } from './core.js';
import { matchId } from './ids.js';
import { containerName } from './records.js';

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
